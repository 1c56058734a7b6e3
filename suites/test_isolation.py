"""Isolation: an organisation never sees another organisation's line tests, products, or any of their fields.

Role ``other_org`` (another organisation's application) lists its own tests; role ``primary`` then asks for
each of them directly and through its own listing. Seed 000: "the responses we provide will be assigned to
the registered organisation name". Rule logic: ``apiconform.checks.isolation``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from apiconform.checks import isolation as rules
from apiconform.config.model import Environment
from apiconform.plugin import get_session
from apiconform.targets.session import Operation, TargetSession

pytestmark = pytest.mark.concern("isolation")

OWNER, FOREIGN = "primary", "other_org"
# Operations of an organisation-scoped API (Chorus Line Test, ARCHITECTURE.md) the isolation checks use.
SCOPED_OPERATIONS = ("listTests", "getTest", "getProduct")
PAGE_SIZE, MAX_PAGES = 20, 10  # vendor-facts.md (Chorus): "count at most 20"
TESTS_FOR = {
    "test_foreign_tests_are_invisible": "getTest",
    "test_foreign_products_are_invisible": "getProduct",
    "test_foreign_tests_not_listed": "listTests",
}


@dataclass
class ForeignData:
    """What the other organisation can see: its test IDs, product IDs and organisation names."""

    tests: set[str] = field(default_factory=set)
    products: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    @property
    def values(self) -> set[str]:
        return self.tests | self.products | self.names


_FOREIGN: dict[tuple[Environment, str], ForeignData] = {}


def _scoped_apis(session: TargetSession) -> list[str]:
    return [
        api
        for api in session.target.apis()
        if {op.operation_id for op in session.operations(api)} >= set(SCOPED_OPERATIONS)
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "operation" not in metafunc.fixturenames:
        return
    session = get_session(metafunc.config)
    wanted = TESTS_FOR[metafunc.function.__name__]
    cases = [
        (api, env, session.operation(api, wanted)) for api in _scoped_apis(session) for env in session.environments(api)
    ]
    metafunc.parametrize("api,env,operation", cases, ids=[f"{a}:{o.operation_id}:{e}" for a, e, o in cases])


# -- helpers ---------------------------------------------------------------------------------------------
def _headers(session: TargetSession, env: Environment, api: str, role: str) -> dict[str, str]:
    if session.credential(env, role) is None:
        pytest.skip(
            f"no credentials for role {role!r} in {env}: configure "
            f"targets.{session.target.name}.environments.{env}.credentials.{role} (an application "
            f"of {'another organisation' if role == FOREIGN else 'your organisation'})"
        )
    return session.auth_headers(env, api, role)


def _listing(
    session: TargetSession,
    env: Environment,
    api: str,
    headers: dict[str, str],
    query: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Every test a caller can list (page by page) and the raw texts of the pages."""
    op = session.operation(api, "listTests")
    tests: list[dict[str, Any]] = []
    texts: list[str] = []
    for _ in range(MAX_PAGES):
        page = session.send(env, op, headers=headers, query={**(query or {}), "count": PAGE_SIZE, "offset": len(tests)})
        if page.status_code != 200:
            raise AssertionError(
                f"{op.label} as this role answered {page.status_code}, not 200: "
                "isolation cannot be checked without a listing"
            )
        texts.append(page.text)
        found = page.json().get("tests") or []
        tests.extend(found)
        if len(found) < PAGE_SIZE:
            break
    return tests, texts


def _foreign(session: TargetSession, env: Environment, api: str) -> ForeignData:
    """The other organisation's own data, as it sees it (cached per environment).

    Ownership comes from each product's ``organisation``: what ``other_org`` sees of the caller's own
    organisation is not "foreign" (and would itself be a leak, which the caller-side checks then report).
    """
    if (env, api) not in _FOREIGN:
        headers = _headers(session, env, api, FOREIGN)
        own = _own_names(session, env, api, _headers(session, env, api, OWNER))
        tests, _ = _listing(session, env, api, headers)
        owner_of = _organisations(session, env, api, headers, {str(t["productId"]) for t in tests})
        products = {p for p, org in owner_of.items() if org is None or org not in own}
        _FOREIGN[(env, api)] = ForeignData(
            {str(t["testId"]) for t in tests if t["productId"] in products},
            products,
            {org for p, org in owner_of.items() if p in products and org},
        )
    data = _FOREIGN[(env, api)]
    if not data.tests:
        pytest.skip(f"role {FOREIGN!r} sees no line tests of its own in {env}; create one for that organisation")
    return data


def _organisations(
    session: TargetSession, env: Environment, api: str, headers: dict[str, str], products: set[str]
) -> dict[str, str | None]:
    """Each product's owning organisation as the caller sees it (None when not readable)."""
    get_product = session.operation(api, "getProduct")
    out: dict[str, str | None] = {}
    for product in sorted(products):
        answer = session.send(env, get_product, headers=headers, path_parameters={"productId": product})
        name = answer.json().get("organisation") if answer.status_code == 200 else None
        out[product] = str(name) if name else None
    return out


def _own_names(session: TargetSession, env: Environment, api: str, headers: dict[str, str]) -> set[str]:
    """The caller's own organisation names, read from its known products (a name both share is no leak)."""
    known = {
        str(k["path_parameters"]["productId"])
        for k in session.known_inputs(env, api, "getProduct")
        if "productId" in (k.get("path_parameters") or {})
    }
    return {org for org in _organisations(session, env, api, headers, known).values() if org}


def _send_each(
    session: TargetSession,
    env: Environment,
    op: Operation,
    headers: dict[str, str],
    name: str,
    values: set[str],
) -> list[httpx.Response]:
    return [session.send(env, op, headers=headers, path_parameters={name: v}) for v in sorted(values)]


# -- tests -----------------------------------------------------------------------------------------------
@pytest.mark.rule(
    "another organisation's line test is not found (404 PT-004) and none of its fields appear",
    rules.SEED_000_ORG + '; vendor-facts.md: "PT-004/PT-022 404 test not found"',
)
def test_foreign_tests_are_invisible(
    target_session: TargetSession, api: str, env: Environment, operation: Operation
) -> None:
    foreign = _foreign(target_session, env, api)
    headers = _headers(target_session, env, api, OWNER)
    leaked = foreign.values
    for response in _send_each(target_session, env, operation, headers, "testId", foreign.tests):
        rules.foreign_tests_are_invisible(response, operation)
        rules.no_foreign_field_values(response.text, leaked - foreign.tests, operation)


@pytest.mark.rule(
    "another organisation's product is not found (404 PT-005) and none of its fields appear",
    rules.SEED_000_ORG + '; vendor-facts.md: "PT-005 404 product not found"',
)
def test_foreign_products_are_invisible(
    target_session: TargetSession, api: str, env: Environment, operation: Operation
) -> None:
    foreign = _foreign(target_session, env, api)
    headers = _headers(target_session, env, api, OWNER)
    leaked = foreign.values
    for response in _send_each(target_session, env, operation, headers, "productId", foreign.products):
        rules.foreign_products_are_invisible(response, operation)
        rules.no_foreign_field_values(response.text, leaked - foreign.products, operation)


@pytest.mark.rule(
    "the caller's listing (also filtered by another organisation's product) holds none of "
    "another organisation's tests or fields",
    rules.SEED_000_ORG,
)
def test_foreign_tests_not_listed(
    target_session: TargetSession, api: str, env: Environment, operation: Operation
) -> None:
    foreign = _foreign(target_session, env, api)
    headers = _headers(target_session, env, api, OWNER)
    leaked = foreign.values
    tests, texts = _listing(target_session, env, api, headers)
    for product in sorted(foreign.products):
        filtered, filtered_texts = _listing(target_session, env, api, headers, {"productId": product})
        tests, texts = tests + filtered, texts + filtered_texts
    rules.foreign_tests_not_listed({str(t.get("testId")) for t in tests}, foreign.tests, operation)
    for text in texts:
        rules.no_foreign_field_values(text, leaked, operation)
