"""``apiconform diff``: prepared contract changes get the verdict, rule and direction we expect, and the
verdict agrees with oasdiff's level for the same change; reordering or re-splitting a contract reports nothing.

The cases are in ``diff_fixtures/cases.yaml``: edits of deep copies of the shipped AT&T and Chorus contracts
and small old/new pairs, each with the oasdiff rule and level it was checked against.
"""

from __future__ import annotations

import copy
import json
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from apiconform.cli import main
from apiconform.contracts import api_names, load_api, schemas_dir
from apiconform.contracts.diff import Change, diff_paths
from apiconform.errors import UsageError

FIXTURES = Path(__file__).parent / "diff_fixtures"
CASES: list[dict[str, Any]] = yaml.safe_load((FIXTURES / "cases.yaml").read_text(encoding="utf-8"))["cases"]
MINIMAL = {"openapi": "3.1.0", "info": {"title": "diff fixture", "version": "1"}}
LEVEL_VERDICT = {"ERR": "breaking", "INFO": "non-breaking", "WARN": "breaking"}  # WARN: see cases.yaml
ATT = schemas_dir() / "att" / "att-end-customer-lookup.openapi.json"
ATT_EC = "/components/schemas/att__end-customer"
ATT_REQUEST = "/components/schemas/att__end-customer-lookup-request"


def _pointer(document: Any, pointer: str) -> tuple[Any, str | int]:
    tokens = [token.replace("~1", "/").replace("~0", "~") for token in pointer.split("/")[1:]]
    node = document
    for token in tokens[:-1]:
        node = node[int(token)] if isinstance(node, list) else node[token]
    last = tokens[-1]
    return node, int(last) if isinstance(node, list) else last


def apply_edits(document: Any, edits: list[dict[str, Any]]) -> Any:
    """``set``, ``remove`` or ``append`` at a JSON pointer, on a copy."""
    document = copy.deepcopy(document)
    for edit in edits:
        if "set" in edit:
            parent, key = _pointer(document, edit["set"])
            parent[key] = copy.deepcopy(edit["value"])
        elif "remove" in edit:
            parent, key = _pointer(document, edit["remove"])
            del parent[key]
        else:
            parent, key = _pointer(document, edit["append"])
            parent[key].append(copy.deepcopy(edit["value"]))
    return document


def write(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".yaml":
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    else:
        path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return path


def case_sides(case: dict[str, Any], tmp_path: Path) -> tuple[Path, Path]:
    """OLD and NEW files of a case."""
    if "base" in case:
        old = load_api(case["base"]).bundled
        new = apply_edits(old, case["edits"])
        suffix = ".openapi.json"
    else:
        old, new = case["old"], case["new"]
        if case["kind"] == "openapi" and "openapi" not in old:
            old, new = {**MINIMAL, **old}, {**MINIMAL, **new}
        suffix = ".yaml" if case.get("yaml") else ".json"
    return write(tmp_path / "old" / f"contract{suffix}", old), write(tmp_path / "new" / f"contract{suffix}", new)


def only_change(old: Path, new: Path) -> Change:
    changes = diff_paths(old, new)
    assert len(changes) == 1, [change.as_json() for change in changes]
    return changes[0]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_prepared_change(case: dict[str, Any], tmp_path: Path) -> None:
    change = only_change(*case_sides(case, tmp_path))
    expect = case["expect"]
    assert (change.verdict, change.rule, change.direction) == (expect["class"], expect["rule"], expect["direction"])
    if "field" in expect:
        assert change.field == expect["field"]
    assert len(change.also) >= expect.get("also", 0)
    oasdiff = case["oasdiff"]
    if oasdiff is None:
        return
    agreed = LEVEL_VERDICT[oasdiff["level"]]
    if "disagrees" in case:
        assert change.verdict != agreed, "the case says we disagree with oasdiff, but we agree: drop `disagrees`"
    else:
        assert change.verdict == agreed, f"oasdiff {oasdiff['rule']} is {oasdiff['level']}"
    if oasdiff["level"] == "WARN" or oasdiff["rule"] != change.rule:
        assert case.get("note") or case.get("disagrees"), "say why: a WARN decision or a rule id of our own"


def test_fixture_is_big_and_mixed() -> None:
    assert len(CASES) >= 25
    directions = {case["expect"]["direction"] for case in CASES}
    assert {"request", "response", "both"} <= directions
    assert {"base" in case for case in CASES} == {True, False}
    assert {case.get("kind") for case in CASES} >= {"openapi", "schema"}
    assert sum(case["oasdiff"] is not None for case in CASES) >= 40


def test_shipped_att_contract_two_breaking_changes(tmp_path: Path) -> None:
    new = apply_edits(
        load_api("att-end-customer-lookup").bundled,
        [
            {"set": f"{ATT_EC}/properties/accountId/type", "value": "integer"},
            {"set": f"{ATT_REQUEST}/properties/customerRef", "value": {"type": "string"}},
            {"append": f"{ATT_REQUEST}/required", "value": "customerRef"},
        ],
    )
    changes = diff_paths(ATT, write(tmp_path / "new.openapi.json", new))
    assert [(c.rule, c.location, c.old, c.new) for c in changes] == [
        (
            "response-property-type-changed",
            "POST /api/v1/customerAccountLookup 200 body[].accountId",
            "string",
            "integer",
        ),
        (
            "new-required-request-property",
            "POST /api/v1/customerAccountLookup request body.customerRef",
            "(none)",
            "required string",
        ),
    ]


# ------------------------------------------------------------------------------------------ no change


def test_identical_document_and_folder_report_nothing() -> None:
    assert diff_paths(ATT, ATT) == []
    assert diff_paths(schemas_dir(), schemas_dir()) == []
    assert diff_paths(schemas_dir() / "att" / "end-customer.json", schemas_dir() / "att" / "end-customer.json") == []


def _shuffle(node: Any, rng: random.Random, key: str = "") -> Any:
    """The same contract in another order: keys, properties, operations, and every set-like list."""
    if isinstance(node, dict):
        items = list(node.items())
        rng.shuffle(items)
        return {k: _shuffle(v, rng, k) for k, v in items}
    if isinstance(node, list):
        items = [_shuffle(item, rng) for item in node]
        if key in {"enum", "required", "type", "parameters", "security", "anyOf", "oneOf", "tags"}:
            rng.shuffle(items)
        return items
    return node


@pytest.mark.parametrize("api", api_names())
def test_reordered_document_reports_nothing(api: str, tmp_path: Path) -> None:
    document = load_api(api).bundled
    shuffled = _shuffle(document, random.Random(api))
    assert json.dumps(shuffled) != json.dumps(document)
    new = write(tmp_path / f"{api}.openapi.json", shuffled)
    assert diff_paths(load_api(api).path, new) == []  # the multi-file original against one reordered file


def test_schema_split_differently_across_files_reports_nothing(tmp_path: Path) -> None:
    inline = {"type": "object", "properties": {"when": {"type": "string", "format": "date-time"}}}
    split = {"type": "object", "properties": {"when": {"$ref": "stamp.json#/$defs/stamp"}}}
    write(tmp_path / "b" / "stamp.json", {"$defs": {"stamp": {"type": "string", "format": "date-time"}}})
    stamp = {"type": "string", "format": "date-time"}
    local = {"type": "object", "properties": {"when": {"$ref": "#/$defs/s"}}, "$defs": {"s": stamp}}
    one, two = write(tmp_path / "a" / "x.json", inline), write(tmp_path / "b" / "x.json", split)
    three = write(tmp_path / "c" / "x.json", local)
    assert diff_paths(one, two) == [] and diff_paths(two, three) == []


def test_documentation_only_edits_report_nothing(tmp_path: Path) -> None:
    edits: list[dict[str, Any]] = [
        {"set": f"{ATT_EC}/properties/accountId/description", "value": "The account."},
        {"set": f"{ATT_EC}/properties/accountId/x-source", "value": "changed"},
        {"set": f"{ATT_EC}/examples", "value": []},
        {"set": "/paths/~1api~1v1~1customerAccountLookup/post/summary", "value": "Look up"},
        {"set": "/paths/~1api~1v1~1customerAccountLookup/post/x-apiconform-grade", "value": "assumption"},
    ]
    new = apply_edits(load_api("att-end-customer-lookup").bundled, edits)
    assert diff_paths(ATT, write(tmp_path / "att.openapi.json", new)) == []


def test_openapi_30_and_its_31_form_report_nothing(tmp_path: Path) -> None:
    schema30 = {
        "type": "object",
        "properties": {"n": {"type": "integer", "minimum": 0, "exclusiveMinimum": True, "nullable": True}},
    }
    schema31 = {"type": "object", "properties": {"n": {"type": ["integer", "null"], "exclusiveMinimum": 0}}}

    def document(version: str, schema: Any) -> Any:
        body = {"content": {"application/json": {"schema": schema}}}
        return {
            **MINIMAL,
            "openapi": version,
            "paths": {"/n": {"put": {"requestBody": body, "responses": {"200": {"description": "ok", **body}}}}},
        }

    old = write(tmp_path / "v30.yaml", document("3.0.3", schema30))
    assert diff_paths(old, write(tmp_path / "v31.json", document("3.1.0", schema31))) == []


def test_recursive_schema_change_is_found_once(tmp_path: Path) -> None:
    node = {"type": "object", "properties": {"name": {"type": "string"}, "kids": {"items": {"$ref": "#/$defs/node"}}}}
    old = {"$ref": "#/$defs/node", "$defs": {"node": node}}
    new = apply_edits(old, [{"set": "/$defs/node/properties/name/maxLength", "value": 5}])
    change = only_change(write(tmp_path / "old.json", old), write(tmp_path / "new.json", new))
    assert (change.rule, change.direction, change.field) == ("request-property-max-length-set", "both", "name")


# ---------------------------------------------------------------------------------------------- folders


def test_folder_with_an_openapi_document_removed(tmp_path: Path) -> None:
    for side in ("old", "new"):
        for vendor in ("att", "common"):
            shutil.copytree(schemas_dir() / vendor, tmp_path / side / vendor)
    (tmp_path / "new" / "att" / "att-end-customer-lookup.openapi.json").unlink()
    change = only_change(tmp_path / "old", tmp_path / "new")
    assert (change.verdict, change.rule, change.file) == (
        "breaking",
        "api-path-removed-without-deprecation",
        "att/att-end-customer-lookup.openapi.json",
    )
    assert change.operation == "POST /api/v1/customerAccountLookup"


def test_folder_with_a_standalone_schema_removed_and_one_added(tmp_path: Path) -> None:
    write(tmp_path / "old" / "lone.json", {"type": "object"})
    write(tmp_path / "new" / "other.yaml", {"type": "string"})
    changes = diff_paths(tmp_path / "old", tmp_path / "new")
    assert [(c.verdict, c.rule, c.file) for c in changes] == [
        ("breaking", "schema-file-removed", "lone.json"),
        ("non-breaking", "schema-file-added", "other.yaml"),
    ]


# ---------------------------------------------------------------------------------------------- the CLI


@pytest.fixture
def att_breaking(tmp_path: Path) -> Path:
    edits = [{"set": f"{ATT_EC}/properties/accountId/type", "value": "integer"}]
    return write(tmp_path / "att.openapi.json", apply_edits(load_api("att-end-customer-lookup").bundled, edits))


def test_cli_exit_0_without_changes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(ATT), str(ATT)]) == 0
    assert "no changes" in capsys.readouterr().out


def test_cli_exit_1_on_breaking_listing_and_json(
    att_breaking: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "diff.json"
    assert main(["diff", str(ATT), str(att_breaking), "--json", str(report)]) == 1
    out = capsys.readouterr().out
    assert "Breaking (1)" in out and "body[].accountId: string → integer" in out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["summary"] == {"breaking": 1, "non-breaking": 0}
    assert data["changes"][0]["rule"] == "response-property-type-changed"
    assert main(["diff", str(ATT), str(att_breaking), "--fail-on", "never"]) == 0


def test_cli_markdown_and_fail_on_any(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = write(tmp_path / "old.json", {"type": "object", "properties": {"a": {"type": "string"}}})
    new = write(
        tmp_path / "new.json", {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}
    )
    assert main(["diff", str(old), str(new), "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "| class | rule | direction | location | change |" in out
    assert "| non-breaking | `new-optional-request-property` | both | b |" in out
    assert main(["diff", str(old), str(new), "--fail-on", "any"]) == 1


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("missing.json", "schema.json", "missing.json: no such file or folder"),
        ("broken.yaml", "schema.json", "broken.yaml: neither JSON nor YAML"),
        ("array.json", "schema.json", "array.json: the top level is not a mapping"),
        ("other.json", "other.json", "other.json: neither an OpenAPI 3.x document"),
        ("schema.json", "api.json", "is a JSON Schema but"),
        ("schema.json", ".", "is a file but"),
        ("swagger.json", "swagger.json", "a Swagger 2.0 document; convert it first"),
        ("dangling.json", "schema.json", "points to a missing file"),
        ("yamlref.yaml", "schema.json", "part.yaml: a $ref'd file must be JSON"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(
    old: str, new: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "schema.json", {"type": "object"})
    write(tmp_path / "api.json", {**MINIMAL, "paths": {}})
    write(tmp_path / "array.json", [1, 2])
    write(tmp_path / "other.json", {"name": "not a contract"})
    write(tmp_path / "swagger.json", {"swagger": "2.0", "paths": {}})
    write(tmp_path / "dangling.json", {"$ref": "nowhere.json"})
    write(tmp_path / "yamlref.yaml", {"properties": {"a": {"$ref": "part.yaml"}}})
    write(tmp_path / "part.yaml", {"type": "string"})
    (tmp_path / "broken.yaml").write_text("a: [\n", encoding="utf-8")
    assert main(["diff", str(tmp_path / old), str(tmp_path / new)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("apiconform: error: ") and captured.err.count("\n") == 1
    assert message in captured.err and "Traceback" not in captured.err
    with pytest.raises(UsageError):
        diff_paths(tmp_path / old, tmp_path / new)
