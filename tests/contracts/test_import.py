"""``apiconform contract import``: vendor documents become valid 3.1 contracts with provenance and a gap report.

The 3.0 fixture goes through the real converter (Node + @scalar/openapi-upgrader from package.json); those
tests skip with a hint when it is not installed. Provenance is checked with the self-tests' own walkers,
not the importer's, so a walker bug cannot hide itself.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from schemathesis.core.result import Err, Ok

from apiconform.contracts import importer
from apiconform.contracts.import_document import HTTP_METHODS, derive_operation_id
from apiconform.contracts.importer import UPGRADER, ImportReport, add_import_parser, import_contract, node_root
from apiconform.contracts.sources import read_registry, resolve
from apiconform.errors import ConfigError
from tests.contracts._schema_walk import SOURCE_PATTERN, iter_openapi_schemas, iter_properties

FIXTURES = Path(__file__).parent / "import_fixtures"
PARCEL = FIXTURES / "parcel-tracking.yaml"
FLEET = FIXTURES / "fleetwise-telematics.json"
FLEET_URL = "https://developer.fleetwise.example.com/openapi.json"
PARCEL_ORIGIN = "parcel-tracking-partner-api"  # the sources.json id, after the document title
EVENTS_ID = "getParcelsByTrackingNumberEvents"

converter = pytest.mark.skipif(
    shutil.which("node") is None or not (node_root() / "node_modules" / UPGRADER / "package.json").is_file(),
    reason=f"the 3.0 -> 3.1 converter needs Node and {UPGRADER}: run `npm ci` (make node-setup)",
)

JSON = dict[str, Any]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[ImportReport, JSON]]:
    """Both fixtures imported once: the 3.0 one only when the converter is installed."""
    into = tmp_path_factory.mktemp("contracts")
    done = {}
    report = import_contract(FLEET, "fleetwise", into, source_url=FLEET_URL)
    done["fleet"] = (report, json.loads(report.output.read_text(encoding="utf-8")))
    if shutil.which("node") and (node_root() / "node_modules" / UPGRADER / "package.json").is_file():
        report = import_contract(PARCEL, "parcel-tracking", into)
        done["parcel"] = (report, json.loads(report.output.read_text(encoding="utf-8")))
    return done


def _without_provenance(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_provenance(v) for k, v in node.items() if k not in {"x-source", "x-apiconform-imported"}}
    if isinstance(node, list):
        return [_without_provenance(v) for v in node]
    return node


def _component_validator(document: JSON, name: str) -> Draft202012Validator:
    """A 2020-12 validator for one component schema, its ``#/components/...`` references resolvable."""
    root = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return Draft202012Validator(root)


@converter
def test_openapi_30_yaml_imports_as_valid_3_1(imported: dict[str, tuple[ImportReport, JSON]]) -> None:
    report, document = imported["parcel"]
    assert report.output.parts[-2:] == ("parcel", "parcel-tracking.openapi.json")
    assert document["openapi"].startswith("3.1.")
    validate(document)
    assert report.operations == 4
    assert document["info"]["x-apiconform-imported"] == {
        "from": "parcel-tracking.yaml",
        "at": datetime.now(UTC).date().isoformat(),
        "openapi": "3.0.3",
    }
    assert document["info"]["x-source"] == f"{PARCEL_ORIGIN}: imported from the vendor's document"
    assert "converted to 3.1" in report.render()


@converter
def test_nullable_fields_accept_null_only_after_conversion(imported: dict[str, tuple[ImportReport, JSON]]) -> None:
    _, document = imported["parcel"]
    parcel = {"trackingNumber": "PT123456789NZ", "status": "booked", "estimatedDelivery": None, "lastEvent": None}
    validator = _component_validator(document, "Parcel")
    assert not list(validator.iter_errors(parcel))
    assert not validator.is_valid({**parcel, "estimatedDelivery": 5})
    assert not validator.is_valid({**parcel, "lastEvent": {"code": "X"}})  # the $ref still applies when not null
    raw = yaml.safe_load(PARCEL.read_text(encoding="utf-8"))  # unconverted, 2020-12 would refuse the null
    assert not _component_validator(raw, "Parcel").is_valid(parcel)
    weight = _component_validator(document, "ShipmentRequest")
    order = {"reference": "A", "recipient": {"name": "n", "postcode": "1"}}
    assert weight.is_valid({**order, "weightKg": 0.1}) and not weight.is_valid({**order, "weightKg": 0})


def test_openapi_31_json_is_kept_as_it_is(imported: dict[str, tuple[ImportReport, JSON]]) -> None:
    report, document = imported["fleet"]
    original = json.loads(FLEET.read_text(encoding="utf-8"))
    validate(document)
    assert document["openapi"] == "3.1.0" and "converted" not in report.render()
    assert _without_provenance(document) == _without_provenance(original)
    assert document["paths"]["/vehicles"]["get"]["x-source"] == original["paths"]["/vehicles"]["get"]["x-source"]
    vehicle_id = document["components"]["schemas"]["Vehicle"]["properties"]["vehicleId"]
    assert vehicle_id["x-source"] == original["components"]["schemas"]["Vehicle"]["properties"]["vehicleId"]["x-source"]
    flow = document["components"]["securitySchemes"]["fleetOAuth"]["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "/oauth2/token"
    assert any("tokenUrl '/oauth2/token' is relative" in w for w in report.warnings)
    assert document["info"]["x-apiconform-imported"]["from"] == FLEET_URL


@pytest.mark.parametrize("key", ["fleet", pytest.param("parcel", marks=converter)])
def test_every_operation_and_property_has_x_source(imported: dict[str, tuple[ImportReport, JSON]], key: str) -> None:
    _, document = imported[key]
    missing = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS and not operation.get("x-source")
    ]
    for where, schema in iter_openapi_schemas(document):
        missing += [pointer for pointer, prop in iter_properties(schema, where) if not prop.get("x-source")]
    assert not missing
    if key == "fleet":  # with --source-url, every generated source leads to a URL (its sources.json entry)
        report, _ = imported[key]
        registry = {e.id: e for e in read_registry(report.output.parents[1] / "sources.json")}
        sources = [op["x-source"] for item in document["paths"].values() for op in item.values()]
        linked = [
            s
            for s in sources
            if SOURCE_PATTERN.search(s) or any(c.source and c.source.url for c in resolve(s, registry))
        ]
        assert linked == sources


@converter
def test_generated_sources_name_the_document_and_the_place(imported: dict[str, tuple[ImportReport, JSON]]) -> None:
    _, document = imported["parcel"]
    events = document["paths"]["/parcels/{trackingNumber}/events"]["get"]
    assert events["x-source"] == f"{PARCEL_ORIGIN}: {EVENTS_ID}, imported from the vendor's document"
    delivery = document["components"]["schemas"]["Parcel"]["properties"]["estimatedDelivery"]
    pointer = "#/components/schemas/Parcel/properties/estimatedDelivery"
    assert delivery["x-source"] == f"{PARCEL_ORIGIN}: {pointer}, imported from the vendor's document"
    example = document["paths"]["/parcels/{trackingNumber}"]["get"]["responses"]["200"]["content"]
    assert "x-source" not in json.dumps(example["application/json"]["examples"])  # data is never annotated


@converter
def test_report_lists_the_gaps(imported: dict[str, tuple[ImportReport, JSON]]) -> None:
    report, _ = imported["parcel"]
    assert report.without_examples == (f"GET /parcels/{{trackingNumber}}/events ({EVENTS_ID})",)
    assert report.without_errors == ("GET /status (getServiceStatus)",)
    assert report.operation_ids_added == (f"GET /parcels/{{trackingNumber}}/events -> {EVENTS_ID}",)
    text = report.render()
    assert "operations: 4" in text
    assert "  - GET /status (getServiceStatus)\noperationIds added: 1\n  - GET /parcels/" in text
    assert "no --source-url" in text  # the provenance names only the file name
    fleet, _ = imported["fleet"]
    assert fleet.without_examples == ("GET /vehicles/{vehicleId} (getVehicle)",)
    assert fleet.without_errors == () and fleet.operation_ids_added == ()  # `default` is an error response
    assert "operationIds added: none" in fleet.render()


def test_derived_operation_ids_are_stable_and_unique() -> None:
    taken = {"getParcels"}
    assert derive_operation_id("GET", "/parcels", taken) == "getParcels2"
    assert derive_operation_id("get", "/parcels", taken) == "getParcels3"
    assert derive_operation_id("delete", "/parcels/{id}/label.pdf", set()) == "deleteParcelsByIdLabelPdf"
    assert derive_operation_id("get", "/", set()) == "getRoot"


def test_content_decides_json_or_yaml_not_the_suffix(tmp_path: Path) -> None:
    as_yaml, as_json = tmp_path / "fleet.yaml", tmp_path / "fleet-yaml.json"
    shutil.copy(FLEET, as_yaml)  # JSON text in a .yaml file
    as_json.write_text(yaml.safe_dump(json.loads(FLEET.read_text(encoding="utf-8"))), encoding="utf-8")
    first = import_contract(as_yaml, "one", tmp_path / "out")
    second = import_contract(as_json, "two", tmp_path / "out", vendor="fleet")
    assert first.output == tmp_path / "out" / "fleetwise" / "one.openapi.json" and first.operations == 3
    assert second.output.parent.name == "fleet" and second.operations == 3


def _write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


BAD_SOURCES: dict[str, tuple[Any, str]] = {
    "swagger": (FIXTURES / "legacy-swagger.yaml", "Swagger 2.0 (OpenAPI 2) is not supported; convert it"),
    "not-yaml": (FIXTURES / "not-openapi.txt", "neither JSON nor YAML (invalid YAML at line 3"),
    "missing": (FIXTURES / "no-such-file.yaml", "no such file"),
    "not-a-mapping": ("- just\n- a list\n", "not an OpenAPI document (the top level is list"),
    "version-4": ({"openapi": "4.0.0", "info": {}}, "says `openapi: 4.0.0`"),
    "invalid": ({"openapi": "3.1.0", "info": {"title": "x"}, "paths": {}}, "'version' is a required property"),
    "external-ref": (
        {
            "openapi": "3.1.0",
            "info": {"title": "x", "version": "1"},
            "components": {"schemas": {"A": {"$ref": "a.json"}}},
        },
        "refers to other files ('a.json'); bundle it",
    ),
}


@pytest.mark.parametrize("case", BAD_SOURCES)
def test_bad_sources_are_one_line_config_errors(tmp_path: Path, case: str) -> None:
    content, expected = BAD_SOURCES[case]
    source = content if isinstance(content, Path) else _write(tmp_path, f"{case}.yaml", content)
    with pytest.raises(ConfigError) as caught:
        import_contract(source, "api", tmp_path / "out")
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{source}: ")
    assert expected.replace("'", '"') in message.replace("'", '"')
    assert not (tmp_path / "out").exists()


def test_existing_output_is_kept_unless_forced(tmp_path: Path) -> None:
    first = import_contract(FLEET, "fleet", tmp_path)
    first.output.write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"already exists; pass --force") as caught:
        import_contract(FLEET, "fleet", tmp_path)
    assert "\n" not in str(caught.value) and first.output.read_text(encoding="utf-8") == "{}"
    assert import_contract(FLEET, "fleet", tmp_path, overwrite=True).output == first.output
    assert json.loads(first.output.read_text(encoding="utf-8"))["openapi"] == "3.1.0"


def test_unsafe_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"--name '\.\./x' cannot be a file or folder name"):
        import_contract(FLEET, "../x", tmp_path)


def test_missing_converter_is_one_actionable_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "node_root", lambda: tmp_path)
    with pytest.raises(ConfigError, match=r"needs @scalar/openapi-upgrader, not installed; run `npm ci` in"):
        import_contract(PARCEL, "parcel", tmp_path / "out")
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(ConfigError, match=r"needs Node\.js \(20\+\), not found on PATH"):
        import_contract(PARCEL, "parcel", tmp_path / "out")


@pytest.mark.parametrize("key", ["fleet", pytest.param("parcel", marks=converter)])
def test_output_loads_in_schemathesis(imported: dict[str, tuple[ImportReport, JSON]], key: str) -> None:
    report, document = imported[key]
    schema = schemathesis.openapi.from_dict(copy.deepcopy(document))
    results = list(schema.get_all_operations())
    assert [result.err() for result in results if isinstance(result, Err)] == []
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == report.operations
    assert all(op.definition.raw.get("operationId") for op in operations)


def test_cli_parser_runs_the_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="apiconform contract")
    add_import_parser(parser.add_subparsers(dest="contract_command", required=True))
    argv = ["import", str(FLEET), "--name", "fleet", "--into", str(tmp_path), "--source-url", FLEET_URL]
    args = parser.parse_args(argv)
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("imported: Fleetwise Telematics API 1.2.0 (OpenAPI 3.1.0) -> ")
    assert (tmp_path / "fleetwise" / "fleet.openapi.json").is_file()
    args = parser.parse_args([*argv, "--force", "--title", "Fleetwise API reference"])
    assert args.handler(args) == 0
    document = json.loads((tmp_path / "fleetwise" / "fleet.openapi.json").read_text(encoding="utf-8"))
    assert document["info"]["x-source"].startswith("fleetwise-api-reference: ")
    registry = json.loads((tmp_path / "sources.json").read_text(encoding="utf-8"))["sources"]
    entry = next(e for e in registry if e["id"] == "fleetwise-api-reference")
    assert entry["title"] == "Fleetwise API reference" and entry["url"] == FLEET_URL
    assert parser.parse_args(["import", "f.yaml", "--name", "n"]).into == Path("contracts")
