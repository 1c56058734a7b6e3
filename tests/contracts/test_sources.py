"""Every ``x-source`` cites documents a reader can find: ids of the sources registry, never internal files.

The shipped contracts cite ``schemas/sources.json``; the worked example (a user's own contracts) cites its
folder's ``sources.json``. The check function is proved on a contract citing a document nobody registered,
and on what ``contract import`` writes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from apiconform.checks.rules import CHECK_RULES
from apiconform.contracts import schemas_dir, set_contract_folders
from apiconform.contracts.importer import import_contract
from apiconform.contracts.sources import (
    INTERNAL_NAME,
    Source,
    describe,
    load_sources,
    problems,
    read_registry,
    resolve,
    shipped_sources,
)
from apiconform.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
PARTNER = ROOT / "examples" / "partner-api" / "contracts"
FLEET = Path(__file__).parent / "import_fixtures" / "fleetwise-telematics.json"


def x_sources(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """(pointer, text) of every ``x-source`` string in a JSON document (data under examples included)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "x-source" and isinstance(value, str):
                yield where or "/", value
            else:
                yield from x_sources(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from x_sources(item, f"{where}/{index}")


def folder_problems(folder: Path, registry: dict[str, Source]) -> list[str]:
    """One line per ``x-source`` under ``folder`` that does not resolve against ``registry``."""
    found = []
    for path in sorted(folder.rglob("*.json")):
        for pointer, text in x_sources(json.loads(path.read_text(encoding="utf-8"))):
            found += [f"{path.relative_to(folder)} {pointer}: {p}" for p in problems(text, registry)]
    return found


@pytest.fixture
def with_folders() -> Iterator[Any]:
    """Point the loader at users' contract folders for one test, then back at schemas/ alone."""
    yield set_contract_folders
    set_contract_folders([])


def test_shipped_sources_resolve() -> None:
    assert not folder_problems(schemas_dir(), load_sources()), "\n".join(folder_problems(schemas_dir(), load_sources()))


def test_shipped_sources_cite_the_registry() -> None:
    """Most shipped rules cite a document by id; the RFCs resolve through their usual spelling."""
    texts = [t for p in schemas_dir().rglob("*.json") for _, t in x_sources(json.loads(p.read_text(encoding="utf-8")))]
    cited = {c.id for t in texts for c in resolve(t)}
    for ident in ("att-ordering-api", "chorus-api-essentials", "carrierx-rest-api", "akana-go-live", "ibm-apic-plans"):
        assert ident in cited
    assert {"rfc6749", "rfc7617", "rfc9110"} <= cited


def test_registry_entries_are_complete() -> None:
    entries = shipped_sources()
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids)), "duplicate ids in schemas/sources.json"
    for entry in entries:
        assert entry.title.strip() and entry.vendor.strip(), entry
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry.read), entry
        assert entry.url is None or entry.url.startswith("https://"), entry
        assert entry.kind in ("vendor", "standard", "community"), entry
        assert not INTERNAL_NAME.search(json.dumps(entry.__dict__)), entry


def test_check_rules_and_markers_cite_the_registry() -> None:
    assert not [(r.check, p) for r in CHECK_RULES for p in problems(r.source)]
    from apiconform.checks import environments, isolation, lifecycle, rate_limits

    constants = [
        v for m in (environments, isolation, lifecycle, rate_limits) for k, v in vars(m).items() if k.isupper()
    ]
    assert not [(c, p) for c in constants if isinstance(c, str) for p in problems(c)]


def test_partner_example_resolves_with_its_own_registry(with_folders: Any) -> None:
    with_folders([PARTNER])
    registry = load_sources()
    assert registry["northwind-parcel-tracking-guide"].origin == str(PARTNER.resolve() / "sources.json")
    assert not folder_problems(PARTNER, registry)
    # without the folder's registry the example's citations do not resolve
    assert folder_problems(PARTNER, {e.id: e for e in shipped_sources()})


def test_an_unregistered_document_fails_the_check(tmp_path: Path) -> None:
    contract = tmp_path / "acme" / "thing.json"
    contract.parent.mkdir()
    contract.write_text(json.dumps({"properties": {"id": {"type": "string", "x-source": 'nowhere-doc: "x"'}}}))
    found = folder_problems(tmp_path, load_sources())
    assert found == ["acme/thing.json /properties/id: cites 'nowhere-doc', which is not in the sources registry"]


@pytest.mark.parametrize(
    "text",
    [
        '004_986340a3ec2669ec.txt: "The response contains"',
        'vendor-facts.md (Chorus): "count at most 20"',
        "ARCHITECTURE.md: the sandbox",
        "seed 002: Bearer",
        "seeds 001/003",
    ],
)
def test_internal_file_names_fail_the_check(text: str) -> None:
    assert problems(text)


def test_resolve_and_describe() -> None:
    text = 'att-ordering-api: "The response contains details"; RFC 6749 5.2: "invalid_client"; assumption: x'
    citations = resolve(text)
    assert [(c.id, c.quote) for c in citations] == [
        ("att-ordering-api", "The response contains details"),
        ("rfc6749", "invalid_client"),
    ]
    described = describe(text)
    assert described.startswith(
        "AT&T Alliance Ordering API <https://devex-web.att.com/order/docs/get-started-with-ordering-api>: "
        '"The response contains details"; RFC 6749 <https://'
    )
    assert describe("assumption: nothing cited") == "assumption: nothing cited"
    assert resolve('the quote "x-trace-id: abc" is data') == []  # ids are never read inside a quote


def test_a_broken_user_registry_is_one_config_error(tmp_path: Path, with_folders: Any) -> None:
    (tmp_path / "sources.json").write_text(json.dumps({"sources": [{"id": "Bad Id", "vendor": "v", "title": "t"}]}))
    with pytest.raises(ConfigError, match="not a sources registry"):
        read_registry(tmp_path / "sources.json")
    (tmp_path / "sources.json").write_text(
        json.dumps({"sources": [{"id": "rfc6749", "vendor": "IETF", "title": "ttt", "read": "2026-11-01"}]})
    )
    with_folders([tmp_path])
    with pytest.raises(ConfigError, match="already defined"):
        load_sources()


def test_imported_contracts_resolve(tmp_path: Path, with_folders: Any) -> None:
    """``contract import`` records x-source as ``<id>: ...`` and the id in the target folder's sources.json."""
    report = import_contract(FLEET, "fleetwise", tmp_path, source_url="https://developer.fleetwise.example.com/x")
    document = json.loads(report.output.read_text(encoding="utf-8"))
    entries = {e.id: e for e in read_registry(tmp_path / "sources.json")}
    assert entries["fleetwise-telematics-api"].url == "https://developer.fleetwise.example.com/x"
    with_folders([tmp_path])
    registry = load_sources()
    assert not [p for _, t in x_sources(document) for p in problems(t, registry)]
    assert document["info"]["x-source"].startswith("fleetwise-telematics-api: ")
    # re-importing replaces the entry instead of adding a second one
    import_contract(FLEET, "fleetwise", tmp_path, overwrite=True)
    again = read_registry(tmp_path / "sources.json")
    assert [e.id for e in again] == ["fleetwise-telematics-api"] and again[0].url is None


def test_a_user_contract_citing_an_unknown_document_is_refused_at_load(tmp_path: Path) -> None:
    import shutil

    from apiconform.config import load_config
    from apiconform.errors import ConfigError

    folder = tmp_path / "contracts"
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples" / "partner-api" / "contracts", folder)
    document = folder / "northwind" / "parcel-tracking.openapi.json"
    text = document.read_text(encoding="utf-8")
    first = text.index('"x-source": "', text.index('"paths"')) + len('"x-source": "')
    document.write_text(text[:first] + 'nowhere-guide: \\"x\\"; ' + text[first:], encoding="utf-8")
    config = tmp_path / "apiconform.toml"
    config.write_text('contracts = ["contracts"]\n', encoding="utf-8")
    try:
        with pytest.raises(ConfigError, match="cites 'nowhere-guide', which is not in the sources registry"):
            load_config(config)
    finally:
        set_contract_folders([])
