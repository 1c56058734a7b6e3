"""AT&T End-Customer Lookup on the alt vendor: credentials, headers, validation, matching, regressions."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.altvendor import AltVendor

ATT = "att-end-customer-lookup"
REQUIRED = {"accountName", "accountId", "acid", "salesSegment", "loaStatus", "allianceStatus", "accountStatus"}
REQUIRED |= {"exception", "accountAddress"}
OPTIONAL = {"subAccountId", "contractStatus", "parentPartnerAccId", "partnerId"}


def lookup(
    vendor: AltVendor,
    http: httpx.Client,
    body: Any,
    env: str = "sandbox",
    creds_env: str | None = None,
    **headers: str,
) -> httpx.Response:
    cred = vendor.credentials[creds_env or env][ATT]
    sent = {"x-trace-id": "trace-1"} | cred | headers
    url = f"{vendor.base_urls[env][ATT]}/api/v1/customerAccountLookup"
    return http.post(url, json=body, headers={k: v for k, v in sent.items() if v != "-"})


def example(vendor: AltVendor, env: str = "sandbox", index: int = 0) -> dict[str, Any]:
    body: dict[str, Any] = vendor.lookup_examples[env][index]
    return body


@pytest.mark.parametrize("env", ["sandbox", "production"])
def test_every_example_finds_documented_records(vendor: AltVendor, http: httpx.Client, env: str) -> None:
    for body in vendor.lookup_examples[env]:
        response = lookup(vendor, http, body, env, **{"x-transaction-id": "tx-9"})
        assert response.status_code == 200
        assert response.headers["x-trace-id"] == "trace-1" and response.headers["x-transaction-id"] == "tx-9"
        records = response.json()
        assert 1 <= len(records) <= 5
        for record in records:
            assert record.keys() >= REQUIRED and record.keys() - REQUIRED <= OPTIONAL | {"lastModifiedDate"}
            assert record["loaStatus"] in ("Y", "N") and record["accountAddress"]["country"] in ("US", "USA")


def test_at_most_five_and_optional_keys_left_out(vendor: AltVendor, http: httpx.Client) -> None:
    records = lookup(vendor, http, example(vendor)).json()
    assert len(records) == 5 and [r["accountId"] for r in records] == sorted(r["accountId"] for r in records)
    assert not OPTIONAL & records[0].keys()
    pecan = lookup(vendor, http, example(vendor, index=1)).json()
    assert [r["accountName"] for r in pecan] == ["Texas Pecan Growers", "Texas Pecan Outlet"]
    assert pecan[1]["accountAddress"]["zipCode"] == "770021234"


def test_transaction_id_is_generated_when_absent(vendor: AltVendor, http: httpx.Client) -> None:
    assert lookup(vendor, http, example(vendor)).headers["x-transaction-id"].startswith("alt-sandbox-")


@pytest.mark.parametrize(
    "headers",
    [{"client_id": "-", "client_secret": "-"}, {"client_secret": "-"}, {"client_secret": "wrong"}, {"client_id": "x"}],
)
def test_missing_or_invalid_credentials_are_401(vendor: AltVendor, http: httpx.Client, headers: dict[str, str]) -> None:
    response = lookup(vendor, http, example(vendor), **headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm="mule-realm"'
    assert response.json()["errors"][0]["code"] == "UNAUTHORIZED"


def test_other_environments_credentials_are_401(vendor: AltVendor, http: httpx.Client) -> None:
    assert lookup(vendor, http, example(vendor), creds_env="production").status_code == 401
    assert lookup(vendor, http, example(vendor, "production"), "production", creds_env="sandbox").status_code == 401


def test_request_header_and_body_errors(vendor: AltVendor, http: httpx.Client) -> None:
    assert lookup(vendor, http, example(vendor), **{"x-trace-id": "-"}).status_code == 400
    url = f"{vendor.base_urls['sandbox'][ATT]}/api/v1/customerAccountLookup"
    cred = vendor.credentials["sandbox"][ATT] | {"x-trace-id": "t"}
    assert http.post(url, content=b"{}", headers=cred | {"content-type": "text/plain"}).status_code == 415
    broken = http.post(url, content=b"{nope", headers=cred | {"content-type": "application/json"})
    assert broken.status_code == 400 and broken.json()["errors"][0]["code"] == "INVALID_JSON"


def test_validation_lists_every_problem(vendor: AltVendor, http: httpx.Client) -> None:
    body = {"accountName": "ab", "address": {"city": "", "state": "TX", "zipCode": "7700"}}
    response = lookup(vendor, http, body)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"spId", "accountName", "address.street", "address.city", "address.zipCode"}
    assert lookup(vendor, http, []).status_code == 422


def test_extra_request_keys_are_ignored(vendor: AltVendor, http: httpx.Client) -> None:
    body = example(vendor) | {"channel": "web"}
    assert lookup(vendor, http, body).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        {"accountName": "Nothing Alike Ltd"},
        {"address": {"street": "", "city": "Dallas", "state": "TX", "zipCode": "77003"}},
        {"address": {"street": "", "city": "Houston", "state": "CA", "zipCode": "77003"}},
        {"address": {"street": "", "city": "Houston", "state": "TX", "zipCode": "77004"}},
        {"address": {"street": "Elm", "city": "Houston", "state": "TX", "zipCode": "77003"}},
    ],
)
def test_no_match_is_404_no_customer_found(vendor: AltVendor, http: httpx.Client, change: dict[str, Any]) -> None:
    response = lookup(vendor, http, example(vendor) | change)
    assert response.status_code == 404
    assert response.json() == {"errors": [{"code": "NOT_FOUND", "message": "No customer found"}]}


def test_environment_data_never_crosses(vendor: AltVendor, http: httpx.Client) -> None:
    assert lookup(vendor, http, example(vendor), "production").status_code == 404
    assert lookup(vendor, http, example(vendor, "production")).status_code == 404


@pytest.mark.parametrize("on", [False, True])
def test_lookup_over_five(vendor: AltVendor, http: httpx.Client, on: bool) -> None:
    vendor.set_regressions(["lookup-over-five"] if on else [])
    assert len(lookup(vendor, http, example(vendor)).json()) == (7 if on else 5)


@pytest.mark.parametrize("on", [False, True])
def test_account_id_renamed(vendor: AltVendor, http: httpx.Client, on: bool) -> None:
    vendor.set_regressions(["account-id-renamed"] if on else [])
    record = lookup(vendor, http, example(vendor)).json()[0]
    assert ("accountId" in record) is not on and ("endCustomerId" in record) is on
