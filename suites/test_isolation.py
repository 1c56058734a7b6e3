"""Isolation: an organisation never sees another organisation's records, directly, listed, or in any field.

The contract says which operation lists records and how (``x-apiconform-records``: the array, the id field,
the page parameters) and which operations read one record by a path parameter filled from a listed
record's field. The ``other_organisation`` credential lists its own records; the ``main`` one then asks
for each of them directly and lists its own. Where a reader's record names its owner (``owner``), a record
the main organisation owns too is not foreign (shared reference data is no leak); without an owner field,
everything the other organisation lists is its own.
Rule logic: ``apiconform.checks.isolation``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from apiconform.checks import isolation as rules
from apiconform.config.model import Environment
from apiconform.parametrize import OperationCase, parametrize_cases
from apiconform.plugin import get_session
from apiconform.targets.session import Operation, Presented, TargetSession

pytestmark = pytest.mark.concern("isolation")

FOREIGN = "other_organisation"
DEFAULT_PAGE, MAX_PAGES = 20, 10


@dataclass
class ForeignData:
    """What the other organisation sees and the caller does not: values per listed-record field."""

    by_field: dict[str, set[str]] = field(default_factory=dict)

    @property
    def values(self) -> set[str]:
        return {v for values in self.by_field.values() for v in values}


_FOREIGN: dict[tuple[Environment, str], ForeignData] = {}


def _listing_op(session: TargetSession, api: str) -> Operation | None:
    return session.find(api, lambda op: bool(op.records.get("id")) and op.method == "GET" and "{" not in op.path)


def _readers(session: TargetSession, api: str) -> list[Operation]:
    return [op for op in session.operations(api) if op.records.get("parameter") and op.read_only]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" not in metafunc.fixturenames:
        return
    session = get_session(metafunc.config)
    cases = []
    for api in session.target.apis():
        listing = _listing_op(session, api)
        if listing is None:
            continue
        wanted = (
            [listing] if metafunc.function.__name__ == "test_foreign_records_not_listed" else _readers(session, api)
        )
        cases += [OperationCase(api, env, op) for op in wanted for env in session.environments(api)]
    parametrize_cases(metafunc, cases, [f"{a}:{o.operation_id}:{e}" for a, e, o in cases])


# -- helpers ---------------------------------------------------------------------------------------------
def _presented(session: TargetSession, env: Environment, api: str, purpose: str) -> Presented:
    return session.present(env, api, session.require_role(env, api, purpose))


def _listing(
    session: TargetSession, env: Environment, op: Operation, auth: Presented, query: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Every record a caller can list (page by page, as ``page`` says) and the raw texts of the pages."""
    spec = op.records
    page = spec.get("page") or {}
    size = _page_size(op, str(page.get("size", "")))
    records: list[dict[str, Any]] = []
    texts: list[str] = []
    for _ in range(MAX_PAGES):
        paging = {page["size"]: size, page["offset"]: len(records)} if page.get("size") and page.get("offset") else {}
        answer = session.send(env, op, auth, query={**(query or {}), **paging})
        if answer.status_code != 200:
            raise AssertionError(
                f"{op.label} answered {answer.status_code}, not 200: isolation cannot be checked without a listing"
            )
        texts.append(answer.text)
        body = answer.json()
        found = body.get(spec["items"]) if spec.get("items") and isinstance(body, dict) else body
        found = [r for r in (found or []) if isinstance(r, dict)]
        records.extend(found)
        if not paging or len(found) < size:
            break
    return records, texts


def _page_size(op: Operation, name: str) -> int:
    """The page size to ask for: the parameter's documented maximum (fewest requests), else a default."""
    for param in op.raw.get("parameters", []):
        if param.get("name") == name:
            maximum = (param.get("schema") or {}).get("maximum")
            return int(maximum) if isinstance(maximum, int) and maximum <= 100 else DEFAULT_PAGE
    return DEFAULT_PAGE


def _fields(session: TargetSession, api: str) -> list[str]:
    listing = _listing_op(session, api)
    assert listing is not None
    return sorted({str(listing.records["id"]), *(str(op.records["field"]) for op in _readers(session, api))})


def _values(records: list[dict[str, Any]], name: str) -> set[str]:
    return {str(r[name]) for r in records if r.get(name) not in (None, "")}


def _owners(
    session: TargetSession, env: Environment, reader: Operation, auth: Presented, values: set[str]
) -> dict[str, str | None]:
    """Each record's owner as this caller reads it with ``reader`` (None when not readable)."""
    parameter, owner = str(reader.records["parameter"]), str(reader.records["owner"])
    out: dict[str, str | None] = {}
    for value in sorted(values):
        answer = session.send(env, reader, auth, path_parameters={parameter: value})
        body = answer.json() if answer.status_code == 200 else None
        name = body.get(owner) if isinstance(body, dict) else None
        out[value] = str(name) if name else None
    return out


def _own_organisations(session: TargetSession, env: Environment, reader: Operation, auth: Presented) -> set[str]:
    """The main organisation's names, read from its known inputs of an owner-naming reader."""
    parameter = str(reader.records["parameter"])
    known = {
        str(k["path_parameters"][parameter])
        for k in session.known_inputs(env, reader.api, reader.operation_id)
        if parameter in (k.get("path_parameters") or {})
    }
    return {name for name in _owners(session, env, reader, auth, known).values() if name}


def _foreign(session: TargetSession, env: Environment, api: str) -> ForeignData:
    """The other organisation's own records, as it lists them (cached per environment)."""
    if (env, api) not in _FOREIGN:
        listing = _listing_op(session, api)
        assert listing is not None
        theirs_auth, main_auth = _presented(session, env, api, FOREIGN), _presented(session, env, api, "main")
        theirs, _ = _listing(session, env, listing, theirs_auth)
        for reader in (op for op in _readers(session, api) if op.records.get("owner")):
            taken_from = str(reader.records["field"])
            own = _own_organisations(session, env, reader, main_auth)
            owners = _owners(session, env, reader, theirs_auth, _values(theirs, taken_from))
            theirs = [r for r in theirs if owners.get(str(r.get(taken_from))) not in own]
        _FOREIGN[(env, api)] = ForeignData({name: _values(theirs, name) for name in _fields(session, api)})
    data = _FOREIGN[(env, api)]
    if not data.values:
        pytest.skip(f"credential {FOREIGN!r} sees no records of its own in {env}; create one for that organisation")
    return data


# -- tests -----------------------------------------------------------------------------------------------
@pytest.mark.requests(3)
@pytest.mark.rule(
    "another organisation's record is not found (the documented 404) and none of its fields appear",
    rules.SEED_000_ORG,
)
def test_foreign_records_are_invisible(target_session: TargetSession, case: OperationCase) -> None:
    api, env, operation = case
    foreign = _foreign(target_session, env, api)
    auth = _presented(target_session, env, api, "main")
    parameter, taken_from = str(operation.records["parameter"]), str(operation.records["field"])
    own_ids = foreign.by_field.get(taken_from, set())
    for value in sorted(own_ids):
        response = target_session.send(env, operation, auth, path_parameters={parameter: value})
        rules.foreign_record_is_invisible(response, operation)
        rules.no_foreign_field_values(response.text, foreign.values - own_ids, operation)


@pytest.mark.requests(2)
@pytest.mark.rule(
    "the caller's listing (also filtered by another organisation's values) holds none of its records or fields",
    rules.SEED_000_ORG,
)
def test_foreign_records_not_listed(target_session: TargetSession, case: OperationCase) -> None:
    api, env, operation = case
    foreign = _foreign(target_session, env, api)
    auth = _presented(target_session, env, api, "main")
    records, texts = _listing(target_session, env, operation, auth)
    filters = {p["name"] for p in operation.raw.get("parameters", []) if p.get("in") == "query"}
    for name, values in foreign.by_field.items():
        if name in filters:
            for value in sorted(values):
                filtered, filtered_texts = _listing(target_session, env, operation, auth, {name: value})
                records, texts = records + filtered, texts + filtered_texts
    id_field = str(operation.records["id"])
    rules.foreign_records_not_listed(_values(records, id_field), foreign.by_field.get(id_field, set()), operation)
    for text in texts:
        rules.no_foreign_field_values(text, foreign.values, operation)
