"""CarrierX Core endpoints on the alt vendor: CRUD statuses, bodies, the list envelope and its regression."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.altvendor import AltVendor
from tests.altvendor.test_altvendor_server import CORE, bearer, manage, token


@pytest.fixture
def core(vendor: AltVendor, http: httpx.Client) -> tuple[str, dict[str, str]]:
    return vendor.base_urls["sandbox"][CORE], manage(vendor, http)


def test_create_is_200_and_ignores_read_only(http: httpx.Client, core: tuple[str, dict[str, str]]) -> None:
    base, headers = core
    body = {"name": "trunk", "type": "third_party", "capacity": 4, "cps_limit": 999, "attributes": {"a": "b"}}
    response = http.post(f"{base}/endpoints", json=body, headers=headers)
    assert response.status_code == 200
    created = response.json()
    assert created["cps_limit"] == 10 and created["capacity"] == 4 and created["name"] == "trunk"
    assert http.get(f"{base}/endpoints/{created['endpoint_sid']}", headers=headers).json() == created


def test_empty_create_gets_defaults(http: httpx.Client, core: tuple[str, dict[str, str]]) -> None:
    base, headers = core
    created = http.post(f"{base}/endpoints", json={}, headers=headers).json()
    assert created["type"] == "third_party" and created["name"] == "Untitled endpoint"


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b'{"name": "x"}', "text/plain", 415),
        (b"{not json", "application/json", 400),
        (b"[]", "application/json", 422),
        (b'{"capacity": -1}', "application/json", 422),
        (b'{"capacity": 1.0}', "application/json", 422),
        (b'{"type": "pbx"}', "application/json", 422),
        (b'{"colour": "red"}', "application/json", 422),
        (b'{"partner_sid": "someone-else"}', "application/json", 422),
    ],
)
def test_bad_bodies(
    http: httpx.Client, core: tuple[str, dict[str, str]], content: bytes, content_type: str, status: int
) -> None:
    base, headers = core
    response = http.post(f"{base}/endpoints", content=content, headers=headers | {"Content-Type": content_type})
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json" and response.json()["status"] == status


def test_update_is_put_and_patch_is_not_offered(http: httpx.Client, core: tuple[str, dict[str, str]]) -> None:
    base, headers = core
    sid = http.post(f"{base}/endpoints", json={"name": "a"}, headers=headers).json()["endpoint_sid"]
    url = f"{base}/endpoints/{sid}"
    patched = http.patch(url, json={"name": "b"}, headers=headers)
    assert patched.status_code == 405 and "PUT" in patched.headers["allow"]
    updated = http.put(url, json={"name": "b", "voip_token": "ignored"}, headers=headers)
    assert updated.status_code == 200 and updated.json()["name"] == "b" and updated.json()["voip_token"] != "ignored"
    assert http.put(url, json={"type": "flexml"}, headers=headers).status_code == 409
    assert http.put(url, content=b"x", headers=headers).status_code == 415


def test_delete_is_204_then_404(http: httpx.Client, core: tuple[str, dict[str, str]]) -> None:
    base, headers = core
    sid = http.post(f"{base}/endpoints", json={}, headers=headers).json()["endpoint_sid"]
    assert http.delete(f"{base}/endpoints/{sid}", headers=headers).status_code == 204
    for method in ("GET", "DELETE", "PUT"):
        response = http.request(method, f"{base}/endpoints/{sid}", json={}, headers=headers)
        assert response.status_code == 404 and response.json()["detail"] == "cannot find item by SID"


def test_hosted_endpoints_keep_their_login(vendor: AltVendor, http: httpx.Client, core: tuple[str, Any]) -> None:
    base, headers = core
    url = f"{base}/endpoints/{vendor.endpoint_sids['sandbox'][0]}"
    before = http.get(url, headers=headers).json()
    assert before["type"] == "conference" and before["properties"]["login"]
    after = http.put(url, json={"properties": {"login": "mine", "x": "1"}}, headers=headers).json()
    assert after["properties"]["login"] == before["properties"]["login"] and after["properties"]["x"] == "1"


# -- lists ---------------------------------------------------------------------------------------------------
def list_page(http: httpx.Client, vendor: AltVendor, env: str = "sandbox", **query: Any) -> dict[str, Any]:
    url = f"{vendor.base_urls[env][CORE]}/endpoints"
    response = http.get(url, params=query, headers=bearer(token(vendor, http, env)))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_default_page(vendor: AltVendor, http: httpx.Client) -> None:
    page = list_page(http, vendor)
    assert (page["limit"], page["offset"], page["count"], page["has_more"]) == (10, 0, 10, True)
    assert page["total"] >= 23 and page["pagination"] == {"next": "?limit=10&offset=10"}
    dates = [item["date_created"] for item in page["items"]]
    assert dates == sorted(dates, reverse=True)  # newest first


def test_last_page_and_clamped_limit(vendor: AltVendor, http: httpx.Client) -> None:
    page = list_page(http, vendor, limit=5000)
    assert page["limit"] == 1000 and page["count"] == page["total"] and page["has_more"] is False
    last = list_page(http, vendor, limit=10, offset=page["total"] - 3)
    assert last["count"] == 3 and last["has_more"] is False and "next" not in last["pagination"]
    assert "previous" in last["pagination"]


@pytest.mark.parametrize("query", [{"limit": "-1"}, {"limit": "ten"}, {"offset": "1.5"}, {"order": "name sideways"}])
def test_bad_page_parameters_are_400(vendor: AltVendor, http: httpx.Client, query: dict[str, str]) -> None:
    url = f"{vendor.base_urls['sandbox'][CORE]}/endpoints"
    assert http.get(url, params=query, headers=bearer(token(vendor, http))).status_code == 400


def test_filter_and_order(vendor: AltVendor, http: httpx.Client) -> None:
    page = list_page(http, vendor, filter="type eq third_party and attributes.region eq east", order="capacity desc")
    assert page["total"] is None and page["count"] > 0
    assert all(i["type"] == "third_party" and i["attributes"]["region"] == "east" for i in page["items"])
    capacities = [i["capacity"] for i in page["items"]]
    assert capacities == sorted(capacities, reverse=True)
    assert list_page(http, vendor, filter="colour eq red")["items"] == []
    assert list_page(http, vendor, filter='name like "sand-third%"')["count"] == 10


@pytest.mark.parametrize("bad", ["type eq", "type is x", "type eq a or name eq b", 'name eq "open'])
def test_bad_filters_are_400(vendor: AltVendor, http: httpx.Client, bad: str) -> None:
    url = f"{vendor.base_urls['sandbox'][CORE]}/endpoints"
    assert http.get(url, params={"filter": bad}, headers=bearer(token(vendor, http))).status_code == 400


def test_environments_have_their_own_endpoints(vendor: AltVendor, http: httpx.Client) -> None:
    sandbox, production = list_page(http, vendor, limit=1000), list_page(http, vendor, "production", limit=1000)
    assert production["total"] == 12
    assert not {i["endpoint_sid"] for i in sandbox["items"]} & {i["endpoint_sid"] for i in production["items"]}
    sid = vendor.endpoint_sids["sandbox"][0]
    other = http.get(
        f"{vendor.base_urls['production'][CORE]}/endpoints/{sid}", headers=manage(vendor, http, "production")
    )
    assert other.status_code == 404


@pytest.mark.parametrize("on", [False, True])
def test_list_total_stale(vendor: AltVendor, http: httpx.Client, on: bool) -> None:
    real = list_page(http, vendor, "production", limit=1000)["count"]
    vendor.set_regressions(["list-total-stale"] if on else [])
    page = list_page(http, vendor, "production", limit=1000)
    assert (page["total"] == page["count"] == real) is not on
    assert page["has_more"] is on
