"""The embedded AT&T End-Customer Lookup over real HTTP: seed round-trip, environments, validation, data defects.

Documented behaviour: seed 004 (004_986340a3ec2669ec.txt), vendor-facts.md "AT&T", ARCHITECTURE.md
(att-end-customer-lookup) and the JSON Schemas in schemas/att/.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from apiconform.contracts import load_schema, validator_for
from apiconform.sandbox.server import SandboxServer

API = "att-end-customer-lookup"
PATH = "/api/v1/customerAccountLookup"
SEED_REQUEST = load_schema("att/end-customer-lookup-request.json")["examples"][0]
SEED_RECORDS = load_schema("att/end-customer-lookup-response.json")["examples"][0]


def valid(schema: str, instance: Any) -> Any:
    validator_for(schema).validate(instance)
    return instance


def is_valid(schema: str, instance: Any) -> bool:
    return bool(validator_for(schema).is_valid(instance))


def known_input(server: SandboxServer, env: str) -> dict[str, Any]:
    body: dict[str, Any] = server.manifest.known_inputs[env][API]["lookupEndCustomer"][0]["body"]
    return copy.deepcopy(body)


def lookup(
    server: SandboxServer,
    body: Any = None,
    env: str = "sandbox",
    role: str = "primary",
    *,
    trace: bool = True,
    content: bytes | None = None,
) -> httpx.Response:
    """One lookup in ``env`` with ``role``'s credentials of that environment (the seed sample by default)."""
    cred = server.manifest.credentials[env][role]
    headers = {"client_id": cred["client_id"], "client_secret": cred["client_secret"]}
    if trace:
        headers["x-trace-id"] = "apiconform-test"
    url = server.manifest.base_url(env, API) + PATH
    if content is not None:
        headers["content-type"] = "application/json"
        return httpx.post(url, content=content, headers=headers, timeout=10)
    return httpx.post(url, json=SEED_REQUEST if body is None else body, headers=headers, timeout=10)


def records_of(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    records: list[dict[str, Any]] = valid("att/end-customer-lookup-response.json", response.json())
    assert 1 <= len(records) <= 5
    return records


def assert_att_error(response: httpx.Response, status: int, message: str | None = None) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    text: str = valid("att/error.json", response.json())["message"]
    if message is not None:
        assert text == message
    return text


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running


# -- success: the seed round-trips, environments keep their own data -----------------------------------------


def test_seed_sample_request_answers_exactly_the_seed_records(server: SandboxServer) -> None:
    assert len(SEED_RECORDS) == 3
    assert known_input(server, "sandbox") == SEED_REQUEST
    assert records_of(lookup(server)) == SEED_RECORDS


def test_success_carries_rate_limit_headers(server: SandboxServer) -> None:
    response = lookup(server)
    assert response.status_code == 200
    limit = int(response.headers["X-RateLimit-Limit"])
    remaining = int(response.headers["X-RateLimit-Remaining"])
    reset = int(response.headers["X-RateLimit-Reset"])
    assert limit == 100_000  # plan standard: common limit
    assert 0 <= remaining < limit
    assert 0 <= reset <= 60_000


def test_production_answers_its_own_records(server: SandboxServer) -> None:
    body = known_input(server, "production")
    assert body != SEED_REQUEST
    records = records_of(lookup(server, body, env="production"))
    seed_ids = {r["accountId"] for r in SEED_RECORDS}
    assert {r["accountId"] for r in records}.isdisjoint(seed_ids)
    assert all(r["accountAddress"]["zipCode"].startswith(body["address"]["zipCode"]) for r in records)


def test_production_does_not_know_the_sandbox_customers(server: SandboxServer) -> None:
    assert_att_error(lookup(server, SEED_REQUEST, env="production"), 404, "No customer found")


def test_sandbox_does_not_know_the_production_customers(server: SandboxServer) -> None:
    assert_att_error(lookup(server, known_input(server, "production")), 404, "No customer found")


def test_unknown_customer_is_404(server: SandboxServer) -> None:
    body = copy.deepcopy(SEED_REQUEST)
    body["accountName"] = "Nobody At All"
    assert_att_error(lookup(server, body), 404, "No customer found")


def test_at_most_five_records_everywhere(server: SandboxServer) -> None:
    assert load_schema("att/end-customer-lookup-response.json")["maxItems"] == 5
    for env in ("sandbox", "production"):
        for name in ("Tex", "Texas", "Lone", "Lone Star", "Lone Star Freight"):
            body = known_input(server, env) | {"accountName": name}
            response = lookup(server, body, env=env)
            if response.status_code == 200:
                assert len(records_of(response)) <= 5
            else:
                assert_att_error(response, 404, "No customer found")


def test_nine_digit_zip_code_is_accepted(server: SandboxServer) -> None:
    body = copy.deepcopy(SEED_REQUEST)
    body["address"]["zipCode"] = "708001234"
    assert records_of(lookup(server, body)) == SEED_RECORDS


# -- validation -----------------------------------------------------------------------------------------------


def _with(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    body = copy.deepcopy(SEED_REQUEST)
    change(body)
    return body


INVALID_BODIES = {
    "two-char-accountName": _with(lambda b: b.update(accountName="Te")),
    "missing-accountName": _with(lambda b: b.pop("accountName")),
    "missing-address": _with(lambda b: b.pop("address")),
    "missing-city": _with(lambda b: b["address"].pop("city")),
    "missing-zipCode": _with(lambda b: b["address"].pop("zipCode")),
    "missing-street": _with(lambda b: b["address"].pop("street")),
    "zip-6-digits": _with(lambda b: b["address"].update(zipCode="708001")),
    "zip-not-string": _with(lambda b: b["address"].update(zipCode=70800)),
    "not-an-object": [SEED_REQUEST],
}


@pytest.mark.parametrize("body", INVALID_BODIES.values(), ids=INVALID_BODIES.keys())
def test_invalid_request_is_400(server: SandboxServer, body: Any) -> None:
    assert not is_valid("att/end-customer-lookup-request.json", body)
    assert_att_error(lookup(server, body), 400)


def test_two_char_account_name_400_names_the_field(server: SandboxServer) -> None:
    message = assert_att_error(lookup(server, INVALID_BODIES["two-char-accountName"]), 400)
    assert "accountName" in message


def test_missing_trace_id_is_400(server: SandboxServer) -> None:
    message = assert_att_error(lookup(server, trace=False), 400)
    assert "x-trace-id" in message


def test_non_json_body_is_400(server: SandboxServer) -> None:
    assert_att_error(lookup(server, content=b"accountName=Texas&zipCode=70800"), 400)
    assert_att_error(lookup(server, content=b"\xff\xfe{"), 400)


# -- data defects: documented with the defect off, broken with it on ---------------------------------------


def _seed_answer(server: SandboxServer) -> list[dict[str, Any]]:
    return records_of_raw(lookup(server))


def records_of_raw(response: httpx.Response) -> list[dict[str, Any]]:
    """The 200 records without schema validation (a drifted body must still be inspectable)."""
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    assert isinstance(body, list) and 1 <= len(body) <= 5
    return body


def _production_seed_status(server: SandboxServer) -> Any:
    response = lookup(server, SEED_REQUEST, env="production")
    return (response.status_code, response.json() == SEED_RECORDS)


def _account_id_types(server: SandboxServer) -> Any:
    return {type(r["accountId"]).__name__ for r in _seed_answer(server)}


def _loa_statuses(server: SandboxServer) -> Any:
    return {r["loaStatus"] for r in _seed_answer(server)}


def _account_names_null(server: SandboxServer) -> Any:
    return {r["accountName"] is None for r in _seed_answer(server)}


def _two_char_name(server: SandboxServer) -> Any:
    response = lookup(server, INVALID_BODIES["two-char-accountName"])
    return (response.status_code, response.status_code == 200 and len(response.json()) > 0)


# defect -> (probe, observation with the defect off, observation with it on)
DATA_DEFECTS: dict[str, tuple[Callable[[SandboxServer], Any], Any, Any]] = {
    "sandbox-data-in-production": (_production_seed_status, (404, False), (200, True)),
    "field-type-drift": (_account_id_types, {"str"}, {"int"}),
    "enum-drift": (_loa_statuses, {"Y", "N"}, {"Yes", "No"}),
    "nullable-drift": (_account_names_null, {False}, {True}),
    "invalid-input-accepted": (_two_char_name, (400, False), (200, True)),
}


@pytest.mark.parametrize("defect", DATA_DEFECTS)
def test_data_defect_off_documented(server: SandboxServer, defect: str) -> None:
    probe, documented, _ = DATA_DEFECTS[defect]
    assert probe(server) == documented


@pytest.mark.parametrize("defect", DATA_DEFECTS)
def test_data_defect_on_breaks_the_contract(defect: str) -> None:
    probe, _, broken = DATA_DEFECTS[defect]
    with SandboxServer(defects=[defect]) as bad:
        assert probe(bad) == broken
        if defect in ("field-type-drift", "enum-drift", "nullable-drift"):
            assert not is_valid("att/end-customer-lookup-response.json", lookup(bad).json())


def test_sandbox_data_in_production_hides_production_customers() -> None:
    with SandboxServer(defects=["sandbox-data-in-production"]) as bad:
        assert_att_error(lookup(bad, known_input(bad, "production"), env="production"), 404, "No customer found")
