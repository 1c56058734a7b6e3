"""The alt vendor's token host and CarrierX Core over real HTTP: documented behaviour, choices, regressions."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.altvendor import REGRESSIONS, AltVendor, start_altvendor

CORE = "carrierx-core"
ENVS = ("sandbox", "production")


def basic(vendor: AltVendor, env: str = "sandbox") -> tuple[str | bytes, str | bytes]:
    cred = vendor.credentials[env][CORE]
    return cred["client_id"], cred["client_secret"]


def token(vendor: AltVendor, http: httpx.Client, env: str = "sandbox", scope: str | None = None) -> dict[str, Any]:
    cred = vendor.credentials[env][CORE]
    form = {"grant_type": "client_credentials"} | ({"scope": scope} if scope else {})
    response = http.post(vendor.token_urls[env], data=form, auth=(cred["client_id"], cred["client_secret"]))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(access: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {access['access_token']}"}


def manage(vendor: AltVendor, http: httpx.Client, env: str = "sandbox") -> dict[str, str]:
    return bearer(token(vendor, http, env, "endpoints.manage oauth.manage"))


# -- token host ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("env", ENVS)
def test_client_secret_basic_issues_a_non_cacheable_token(vendor: AltVendor, http: httpx.Client, env: str) -> None:
    cred = vendor.credentials[env][CORE]
    response = http.post(
        vendor.token_urls[env],
        data={"grant_type": "client_credentials"},
        auth=(cred["client_id"], cred["client_secret"]),
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["scope"] == "endpoints.read" and body["token_sid"] and body["access_token"]
    assert "refresh_token" not in body  # RFC 6749 4.4.3


def test_client_secret_post_and_requested_scopes(vendor: AltVendor, http: httpx.Client) -> None:
    cred = vendor.credentials["sandbox"][CORE]
    form = {"grant_type": "client_credentials", "scope": "endpoints.manage oauth.manage"} | cred
    response = http.post(vendor.token_urls["sandbox"], data=form)
    assert response.status_code == 200 and response.json()["scope"] == "endpoints.manage oauth.manage"


@pytest.mark.parametrize(
    ("form", "auth", "status", "error"),
    [
        ({"grant_type": "client_credentials"}, ("right", "wrong"), 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, None, 401, "invalid_client"),
        ({"grant_type": "client_credentials", "client_secret": "x"}, ("right", "right"), 400, "invalid_request"),
        ({}, ("right", "right"), 400, "invalid_request"),
        (
            {"grant_type": "password", "username": "u", "password": "p"},
            ("right", "right"),
            400,
            "unsupported_grant_type",
        ),
        ({"grant_type": "client_credentials", "scope": "calls.read"}, ("right", "right"), 400, "invalid_scope"),
    ],
)
def test_token_errors_follow_rfc_6749(
    vendor: AltVendor, http: httpx.Client, form: dict[str, str], auth: tuple[str, str] | None, status: int, error: str
) -> None:
    cred = vendor.credentials["sandbox"][CORE]
    login = None if auth is None else (cred["client_id"], cred["client_secret"] if auth[1] == "right" else "nope")
    response = http.post(vendor.token_urls["sandbox"], data=form, auth=login or httpx.USE_CLIENT_DEFAULT)
    assert (response.status_code, response.json()["error"]) == (status, error)
    assert response.headers["cache-control"] == "no-store"
    if status == 401:
        assert response.headers["www-authenticate"].startswith('Basic realm="altvendor-oauth"')


def test_token_request_must_be_a_form(vendor: AltVendor, http: httpx.Client) -> None:
    response = http.post(vendor.token_urls["sandbox"], json={"grant_type": "client_credentials"}, auth=basic(vendor))
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


def test_environments_never_accept_each_others_client(vendor: AltVendor, http: httpx.Client) -> None:
    response = http.post(vendor.token_urls["production"], data={"grant_type": "client_credentials"}, auth=basic(vendor))
    assert response.status_code == 401
    assert vendor.credentials["sandbox"][CORE] != vendor.credentials["production"][CORE]


def test_token_host_is_separate_from_the_api_hosts(vendor: AltVendor, http: httpx.Client) -> None:
    api_host = vendor.base_urls["sandbox"][CORE].removesuffix("/core/v2")
    assert not vendor.token_urls["sandbox"].startswith(api_host)
    assert http.post(f"{api_host}/sandbox/oauth2/token").status_code == 404
    assert http.get(f"{vendor.token_host}/core/v2/endpoints").status_code == 404
    assert vendor.base_urls["sandbox"][CORE] != vendor.base_urls["production"][CORE]


# -- bearer authentication and scopes ------------------------------------------------------------------------
def test_missing_token_is_401_without_error_code(vendor: AltVendor, http: httpx.Client) -> None:
    response = http.get(f"{vendor.base_urls['sandbox'][CORE]}/endpoints")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="core"'
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_bad_token_is_401_invalid_token(vendor: AltVendor, http: httpx.Client) -> None:
    response = http.get(f"{vendor.base_urls['sandbox'][CORE]}/endpoints", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["www-authenticate"]


def test_empty_bearer_is_400_invalid_request(vendor: AltVendor, http: httpx.Client) -> None:
    response = http.get(f"{vendor.base_urls['sandbox'][CORE]}/endpoints", headers={"Authorization": "Bearer"})
    assert response.status_code == 400 and 'error="invalid_request"' in response.headers["www-authenticate"]


def test_read_token_reads_but_cannot_write(vendor: AltVendor, http: httpx.Client) -> None:
    base, headers = vendor.base_urls["sandbox"][CORE], bearer(token(vendor, http))
    assert http.get(f"{base}/endpoints", headers=headers).status_code == 200
    response = http.post(f"{base}/endpoints", json={"name": "x"}, headers=headers)
    assert response.status_code == 403
    challenge = response.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="endpoints.manage"' in challenge


def test_production_refuses_a_sandbox_token(vendor: AltVendor, http: httpx.Client) -> None:
    response = http.get(f"{vendor.base_urls['production'][CORE]}/endpoints", headers=manage(vendor, http))
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["www-authenticate"]


def test_token_expires_after_expires_in(vendor: AltVendor, http: httpx.Client) -> None:
    vendor.set_token_lifetime(5)
    access = token(vendor, http)
    assert access["expires_in"] == 5
    url = f"{vendor.base_urls['sandbox'][CORE]}/endpoints"
    assert http.get(url, headers=bearer(access)).status_code == 200
    vendor.advance_clock(6)
    assert http.get(url, headers=bearer(access)).status_code == 401
    vendor.set_regressions(["expired-token-accepted"])
    assert http.get(url, headers=bearer(access)).status_code == 200


def test_revocation_needs_oauth_manage_and_sticks(vendor: AltVendor, http: httpx.Client) -> None:
    base, admin = vendor.base_urls["sandbox"][CORE], manage(vendor, http)
    victim = token(vendor, http)
    url = f"{base}/oauth/tokens/{victim['token_sid']}"
    assert http.delete(url, headers=bearer(victim)).status_code == 403
    assert http.delete(url, headers=admin).status_code == 204
    assert http.get(f"{base}/endpoints", headers=bearer(victim)).status_code == 401
    assert http.delete(url, headers=admin).status_code == 404  # a revoked token no longer exists
    prod = manage(vendor, http, "production")  # another environment cannot see the sid
    assert (
        http.delete(
            f"{vendor.base_urls['production'][CORE]}/oauth/tokens/{victim['token_sid']}", headers=prod
        ).status_code
        == 404
    )
    vendor.set_regressions(["revoked-token-accepted"])
    assert http.get(f"{base}/endpoints", headers=bearer(victim)).status_code == 200


# -- regressions ---------------------------------------------------------------------------------------------
def test_nine_regressions_each_described() -> None:
    assert len(REGRESSIONS) == 9 and all(REGRESSIONS.values())


def test_unknown_regression_is_refused(vendor: AltVendor) -> None:
    with pytest.raises(ValueError, match="valid:"):
        vendor.set_regressions(["no-such-thing"])
    with pytest.raises(ValueError), start_altvendor(["no-such-thing"]):
        pass


def test_regressions_switch_at_run_time(vendor: AltVendor) -> None:
    vendor.set_regressions(["lookup-over-five", "list-total-stale"])
    assert vendor.regressions == {"lookup-over-five", "list-total-stale"}
    vendor.set_regressions([])
    assert vendor.regressions == frozenset()


@pytest.mark.parametrize("on", [False, True])
def test_post_auth_secret_unchecked(vendor: AltVendor, http: httpx.Client, on: bool) -> None:
    vendor.set_regressions(["post-auth-secret-unchecked"] if on else [])
    cred = vendor.credentials["sandbox"][CORE]
    form = {"grant_type": "client_credentials", "client_id": cred["client_id"], "client_secret": "wrong"}
    assert http.post(vendor.token_urls["sandbox"], data=form).status_code == (200 if on else 401)
    basic = http.post(
        vendor.token_urls["sandbox"], data=form | {"client_secret": ""}, auth=(cred["client_id"], "wrong")
    )
    assert basic.status_code in (400, 401)  # Basic stays checked either way
    wrong_basic = http.post(
        vendor.token_urls["sandbox"], data={"grant_type": "client_credentials"}, auth=(cred["client_id"], "wrong")
    )
    assert wrong_basic.status_code == 401


def test_unknown_paths_are_problems_and_describe_is_json(vendor: AltVendor, http: httpx.Client) -> None:
    response = http.get(f"{vendor.base_urls['sandbox'][CORE]}/calls")
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    assert json.loads(json.dumps(vendor.describe()))["token_urls"] == vendor.token_urls
