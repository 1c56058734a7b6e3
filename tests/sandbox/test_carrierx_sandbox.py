"""The embedded CarrierX sandbox over real HTTP on loopback: Core tokens, endpoints, endpoint APIs, defects.

Seed 002: Core takes Bearer tokens limited by scopes; the endpoint APIs take only their endpoint's Basic login
and answer ``unauthorized`` to Core credentials. vendor-facts.md: create answers 200, 415/400/422, lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from apiconform.contracts import validator_for
from apiconform.sandbox.provisioning import Manifest
from apiconform.sandbox.server import SandboxServer
from apiconform.sandbox.state import Environment

ENDPOINT_APIS = {
    "carrierx-conference": ("conference", "/meetings", "carrierx/conference-meeting.json"),
    "carrierx-flexml": ("flexml", "/calls", "carrierx/flexml-call.json"),
    "carrierx-mediator": ("mediator", "/bindings", "carrierx/mediator-binding.json"),
}


@pytest.fixture(scope="module")
def manifest() -> Iterator[Manifest]:
    with SandboxServer() as server:
        yield server.manifest


def schema_errors(schema: str, instance: Any) -> list[str]:
    return [error.message for error in validator_for(schema).iter_errors(instance)]


def core(m: Manifest, env: Environment = "sandbox") -> str:
    return m.base_url(env, "carrierx-core")


def request_token(m: Manifest, env: Environment = "sandbox", /, **fields: str) -> httpx.Response:
    partner = m.credentials[env]["partner"]
    form = {"grant_type": "password", "username": partner["username"], "password": partner["password"]} | fields
    return httpx.post(f"{core(m, env)}/oauth/token", data=form)


def token(m: Manifest, env: Environment = "sandbox", /, **fields: str) -> str:
    response = request_token(m, env, **fields)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def basic(m: Manifest, role: str, env: Environment = "sandbox") -> tuple[str, str]:
    cred = m.credentials[env][role]
    return cred["username"], cred["password"]


def endpoint_api(m: Manifest, api: str, env: Environment = "sandbox") -> str:
    return m.base_url(env, api) + ENDPOINT_APIS[api][1]


def create(m: Manifest, body: dict[str, Any], access_token: str) -> httpx.Response:
    return httpx.post(f"{core(m)}/endpoints", json=body, headers=bearer(access_token))


# -- tokens ------------------------------------------------------------------------------------------------
def test_token_conforms_to_schema_and_is_not_cacheable(manifest: Manifest) -> None:
    response = request_token(manifest)
    assert response.status_code == 200
    body = response.json()
    assert schema_errors("carrierx/oauth-token.json", body) == []
    assert body["token_type"] == "bearer"
    assert set(body["scopes"]) == {"endpoints.read", "endpoints.manage", "oauth.manage"}
    assert "no-store" in response.headers["cache-control"]
    assert response.headers["pragma"] == "no-cache"


def test_token_with_requested_scope_carries_only_it(manifest: Manifest) -> None:
    body = request_token(manifest, scope="endpoints.read").json()
    assert body["scopes"] == ["endpoints.read"]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"grant_type": "client_credentials"}, 400, "unsupported_grant_type"),
        ({"scope": "endpoints.read calls.manage"}, 400, "invalid_scope"),
        ({"password": ""}, 400, "invalid_request"),
        ({"password": "wrong-password"}, 401, "invalid_client"),
        ({"username": "nobody"}, 401, "invalid_client"),
    ],
)
def test_token_request_errors(manifest: Manifest, change: dict[str, str], status: int, code: str) -> None:
    response = request_token(manifest, **change)
    assert response.status_code == status
    assert response.json()["error"] == code
    assert schema_errors("common/oauth-error.json", response.json()) == []
    assert "access_token" not in response.json()


def test_token_request_must_be_form_encoded(manifest: Manifest) -> None:
    partner = manifest.credentials["sandbox"]["partner"]
    body = {"grant_type": "password", "username": partner["username"], "password": partner["password"]}
    response = httpx.post(f"{core(manifest)}/oauth/token", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_other_environments_partner_gets_no_token(manifest: Manifest) -> None:
    production = manifest.credentials["production"]["partner"]
    response = request_token(manifest, "sandbox", username=production["username"], password=production["password"])
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


# -- Core authentication and scopes --------------------------------------------------------------------------
def test_missing_token_challenge_has_no_error_code(manifest: Manifest) -> None:
    response = httpx.get(f"{core(manifest)}/endpoints")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="carrierx"'
    assert schema_errors("common/oauth-error.json", response.json()) == []


@pytest.mark.parametrize("sent", ["not-a-token", "production"])
def test_bad_or_foreign_token_is_invalid_token(manifest: Manifest, sent: str) -> None:
    access_token = token(manifest, "production") if sent == "production" else sent
    response = httpx.get(f"{core(manifest)}/endpoints", headers=bearer(access_token))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="carrierx", error="invalid_token"'
    assert response.json()["error"] == "invalid_token"


def test_read_only_token_lists_but_cannot_create(manifest: Manifest) -> None:
    read_only = token(manifest, scope="endpoints.read")
    assert httpx.get(f"{core(manifest)}/endpoints", headers=bearer(read_only)).status_code == 200
    response = create(manifest, {"name": "denied"}, read_only)
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="carrierx", error="insufficient_scope"')
    assert 'scope="endpoints.manage"' in challenge
    assert schema_errors("common/oauth-error.json", response.json()) == []


def test_revoke_needs_oauth_manage_and_revoked_token_is_refused(manifest: Manifest) -> None:
    victim = request_token(manifest, scope="endpoints.read").json()
    url = f"{core(manifest)}/oauth/tokens/{victim['token_sid']}"
    assert httpx.delete(url, headers=bearer(victim["access_token"])).status_code == 403
    assert httpx.delete(url, headers=bearer(token(manifest, scope="oauth.manage"))).status_code == 204
    response = httpx.get(f"{core(manifest)}/endpoints", headers=bearer(victim["access_token"]))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    unknown = f"{core(manifest)}/oauth/tokens/00000000-0000-4000-8000-000000000000"
    missing = httpx.delete(unknown, headers=bearer(token(manifest)))
    assert missing.status_code == 404
    assert schema_errors("carrierx/error.json", missing.json()) == []


def test_token_expires_when_the_portal_clock_moves() -> None:
    with SandboxServer() as server:
        m = server.manifest
        access_token = token(m)
        assert httpx.get(f"{core(m)}/endpoints", headers=bearer(access_token)).status_code == 200
        admin = m.portal_credentials["admin"]
        moved = httpx.post(
            f"{m.portal_url}/v1/admin/clock", json={"seconds": 7200}, auth=(admin["username"], admin["password"])
        )
        assert moved.status_code == 200
        response = httpx.get(f"{core(m)}/endpoints", headers=bearer(access_token))
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["www-authenticate"]


# -- endpoints CRUD ------------------------------------------------------------------------------------------
def test_endpoint_crud(manifest: Manifest) -> None:
    manage = token(manifest, scope="endpoints.manage")
    created = create(manifest, {"name": "crud_trunk", "type": "third_party", "capacity": 5}, manage)
    assert created.status_code == 200
    assert schema_errors("carrierx/endpoint.json", created.json()) == []
    sid = created.json()["endpoint_sid"]
    url = f"{core(manifest)}/endpoints/{sid}"
    assert httpx.get(url, headers=bearer(manage)).json()["capacity"] == 5
    patched = httpx.patch(url, json={"name": "renamed", "attributes": {"team": "x"}}, headers=bearer(manage))
    assert patched.status_code == 200
    assert (patched.json()["name"], patched.json()["attributes"]) == ("renamed", {"team": "x"})
    assert schema_errors("carrierx/endpoint.json", patched.json()) == []
    assert httpx.delete(url, headers=bearer(manage)).status_code == 204
    gone = httpx.get(url, headers=bearer(manage))
    assert gone.status_code == 404
    assert schema_errors("carrierx/error.json", gone.json()) == []
    assert httpx.delete(url, headers=bearer(manage)).status_code == 404
    assert httpx.patch(url, json={"name": "x"}, headers=bearer(manage)).status_code == 404


def test_integral_number_is_an_integer(manifest: Manifest) -> None:
    response = create(manifest, {"name": "float_capacity", "capacity": 12.0}, token(manifest))
    assert response.status_code == 200
    assert response.json()["capacity"] == 12 and isinstance(response.json()["capacity"], int)


def test_schema_valid_huge_offset_is_an_empty_page(manifest: Manifest) -> None:
    response = list_endpoints(manifest, token(manifest), offset=69836352006)
    assert response.status_code == 200
    assert (response.json()["count"], response.json()["has_more"]) == (0, False)


def test_empty_create_body_makes_an_endpoint(manifest: Manifest) -> None:
    response = create(manifest, {}, token(manifest))
    assert response.status_code == 200
    assert schema_errors("carrierx/endpoint.json", response.json()) == []


def test_create_without_json_content_type_is_415(manifest: Manifest) -> None:
    response = httpx.post(
        f"{core(manifest)}/endpoints",
        content=b'{"name": "x"}',
        headers=bearer(token(manifest)) | {"Content-Type": "text/plain"},
    )
    assert response.status_code == 415
    assert schema_errors("carrierx/error.json", response.json()) == []


def test_undecodable_json_is_400(manifest: Manifest) -> None:
    response = httpx.post(
        f"{core(manifest)}/endpoints",
        content=b'{"name": ',
        headers=bearer(token(manifest)) | {"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert schema_errors("carrierx/error.json", response.json()) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "endpoint_sid": "4b6e2c9a-7f1d-4e3a-9c8b-2d1f0e6a5b47"}, "endpoint_sid"),
        ({"name": "x", "cps_limit": 50}, "cps_limit"),
        ({"name": "x", "voip_token": "abc"}, "voip_token"),
        ({"name": "x", "type": "pbx"}, "type"),
        ({"name": "x", "capacity": "ten"}, "capacity"),
        ({"name": 5}, "name"),
        ({"name": "x", "colour": "red"}, "colour"),
    ],
)
def test_create_validation_errors_are_422(manifest: Manifest, body: dict[str, Any], field: str) -> None:
    response = create(manifest, body, token(manifest))
    assert response.status_code == 422
    assert schema_errors("carrierx/error.json", response.json()) == []
    assert field in [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize("body", [{"cps_limit": 9}, {"type": "mediator"}, {"capacity": -1}])
def test_update_validation_errors_are_422(manifest: Manifest, body: dict[str, Any]) -> None:
    manage = token(manifest)
    sid = create(manifest, {"name": "patch_me"}, manage).json()["endpoint_sid"]
    response = httpx.patch(f"{core(manifest)}/endpoints/{sid}", json=body, headers=bearer(manage))
    assert response.status_code == 422
    unchanged = httpx.get(f"{core(manifest)}/endpoints/{sid}", headers=bearer(manage)).json()
    assert (unchanged["cps_limit"], unchanged["type"], unchanged["capacity"]) == (0, "third_party", 0)


def test_known_get_input_finds_an_endpoint(manifest: Manifest) -> None:
    known = manifest.known_inputs["sandbox"]["carrierx-core"]["getEndpoint"][0]["path_parameters"]
    response = httpx.get(f"{core(manifest)}/endpoints/{known['endpoint_sid']}", headers=bearer(token(manifest)))
    assert response.status_code == 200
    assert response.json()["endpoint_sid"] == known["endpoint_sid"]


# -- lists ---------------------------------------------------------------------------------------------------
def list_endpoints(m: Manifest, access_token: str, **query: Any) -> httpx.Response:
    return httpx.get(f"{core(m)}/endpoints", params=query, headers=bearer(access_token))


def test_default_page_and_next_page(manifest: Manifest) -> None:
    reader = token(manifest, scope="endpoints.read")
    first = list_endpoints(manifest, reader).json()
    assert schema_errors("carrierx/endpoint-list.json", first) == []
    assert (first["limit"], first["offset"], first["count"], first["has_more"]) == (10, 0, 10, True)
    assert first["total"] >= 15
    assert "offset=10" in first["pagination"]["next"]
    second = httpx.get(first["pagination"]["next"], headers=bearer(reader)).json()
    assert second["offset"] == 10
    first_sids = {e["endpoint_sid"] for e in first["items"]}
    assert first_sids.isdisjoint(e["endpoint_sid"] for e in second["items"])
    everything = list_endpoints(manifest, reader, limit=1000).json()
    assert everything["has_more"] is False and everything["pagination"] == {}
    assert everything["count"] == everything["total"]


@pytest.mark.parametrize("query", [{"limit": 1001}, {"limit": -1}, {"limit": "ten"}, {"offset": -3}])
def test_bad_page_parameters_are_400(manifest: Manifest, query: dict[str, Any]) -> None:
    response = list_endpoints(manifest, token(manifest), **query)
    assert response.status_code == 400
    assert schema_errors("carrierx/error.json", response.json()) == []


def test_filter_eq_and_and(manifest: Manifest) -> None:
    reader = token(manifest)
    third_party = list_endpoints(manifest, reader, filter="type eq third_party", limit=1000).json()
    assert third_party["total"] >= 12
    assert {e["type"] for e in third_party["items"]} == {"third_party"}
    both = list_endpoints(manifest, reader, filter="type eq third_party and capacity ge 20", limit=1000).json()
    assert both["total"] >= 1
    assert all(e["type"] == "third_party" and e["capacity"] >= 20 for e in both["items"])
    assert both["total"] < third_party["total"]
    hosted = list_endpoints(manifest, reader, filter="properties.login like conference%").json()
    assert [e["type"] for e in hosted["items"]] == ["conference"]


def test_filter_quoted_value_and_order(manifest: Manifest) -> None:
    manage = token(manifest)
    create(manifest, {"name": "spaced out trunk"}, manage)
    found = list_endpoints(manifest, manage, filter='name eq "spaced out trunk"').json()
    assert [e["name"] for e in found["items"]] == ["spaced out trunk"]
    ordered = list_endpoints(manifest, manage, order="capacity desc", limit=1000).json()["items"]
    capacities = [e["capacity"] for e in ordered]
    assert capacities == sorted(capacities, reverse=True)


@pytest.mark.parametrize(
    "expression",
    [
        "type eq third_party or type eq conference",
        "not type eq conference",
        "(type eq conference)",
        "type eq",
        "type is conference",
        "name eq spaced out",
    ],
)
def test_unsupported_filters_are_400(manifest: Manifest, expression: str) -> None:
    response = list_endpoints(manifest, token(manifest), filter=expression)
    assert response.status_code == 400
    assert schema_errors("carrierx/error.json", response.json()) == []


# -- endpoint APIs -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("api", list(ENDPOINT_APIS))
def test_endpoint_api_with_its_basic_login(manifest: Manifest, api: str) -> None:
    role, _, item_schema = ENDPOINT_APIS[api]
    response = httpx.get(endpoint_api(manifest, api), auth=basic(manifest, role))
    assert response.status_code == 200
    body = response.json()
    assert schema_errors("carrierx/list-envelope.json", body) == []
    assert body["count"] == len(body["items"]) >= 1
    assert all(schema_errors(item_schema, item) == [] for item in body["items"])


@pytest.mark.parametrize("api", list(ENDPOINT_APIS))
@pytest.mark.parametrize("sent", ["core_token", "wrong_password", "other_environment", "nothing", "other_api"])
def test_endpoint_api_refuses_anything_else(manifest: Manifest, api: str, sent: str) -> None:
    role = ENDPOINT_APIS[api][0]
    login, _ = basic(manifest, role)
    other_role = "flexml" if role != "flexml" else "mediator"
    options: dict[str, dict[str, Any]] = {
        "core_token": {"headers": bearer(token(manifest))},
        "wrong_password": {"auth": (login, "wrong-password")},
        "other_environment": {"auth": basic(manifest, role, "production")},
        "nothing": {},
        "other_api": {"auth": basic(manifest, other_role)},
    }
    response = httpx.get(endpoint_api(manifest, api), **options[sent])
    assert response.status_code == 401
    assert response.json()["message"] == "unauthorized"
    assert schema_errors("carrierx/error.json", response.json()) == []
    assert response.headers["www-authenticate"] == 'Basic realm="carrierx"'


def test_created_hosted_endpoint_login_works_on_its_api(manifest: Manifest) -> None:
    created = create(manifest, {"name": "fresh_mediator", "type": "mediator"}, token(manifest)).json()
    props = created["properties"]
    assert props["api_url"] == manifest.base_url("sandbox", "carrierx-mediator")
    response = httpx.get(props["api_url"] + "/bindings", auth=(props["login"], props["password"]))
    assert response.status_code == 200


# -- defects: the documented behaviour without, the broken one with ------------------------------------------
def _core_token_on_endpoint_api(m: Manifest) -> bool:
    return httpx.get(endpoint_api(m, "carrierx-conference"), headers=bearer(token(m))).status_code == 200


def _read_token_creates(m: Manifest) -> bool:
    return create(m, {"name": "scoped"}, token(m, scope="endpoints.read")).status_code == 200


def _token_cacheable(m: Manifest) -> bool:
    response = request_token(m)
    return response.status_code == 200 and "no-store" not in response.headers.get("cache-control", "")


def _create_answers_201(m: Manifest) -> bool:
    return create(m, {"name": "status"}, token(m)).status_code == 201


def _read_only_applied(m: Manifest) -> bool:
    response = create(m, {"name": "ro", "cps_limit": 7}, token(m))
    return response.status_code == 200 and response.json()["cps_limit"] == 7


def _offset_ignored(m: Manifest) -> bool:
    reader = token(m)
    first, second = (list_endpoints(m, reader, offset=o).json() for o in (0, 10))
    return first["items"] == second["items"] and first["has_more"] is False


def _anonymous_served(m: Manifest) -> bool:
    core_ok = httpx.get(f"{core(m)}/endpoints").status_code == 200
    api_ok = httpx.get(endpoint_api(m, "carrierx-flexml")).status_code == 200
    token_ok = request_token(m, password="wrong-password").status_code == 200
    return core_ok and api_ok and token_ok


def _any_password(m: Manifest) -> bool:
    login, _ = basic(m, "mediator")
    api_ok = httpx.get(endpoint_api(m, "carrierx-mediator"), auth=(login, "guess")).status_code == 200
    return api_ok and request_token(m, password="guess").status_code == 200


def _cross_environment(m: Manifest) -> bool:
    prod_token = token(m, "production")
    core_ok = httpx.get(f"{core(m)}/endpoints", headers=bearer(prod_token)).status_code == 200
    prod_login = basic(m, "conference", "production")
    api_ok = httpx.get(endpoint_api(m, "carrierx-conference"), auth=prod_login).status_code == 200
    partner = m.credentials["production"]["partner"]
    token_ok = request_token(m, username=partner["username"], password=partner["password"]).status_code == 200
    return core_ok and api_ok and token_ok


def _no_challenge(m: Manifest) -> bool:
    core_401 = httpx.get(f"{core(m)}/endpoints")
    api_401 = httpx.get(endpoint_api(m, "carrierx-conference"))
    return all(r.status_code == 401 and "www-authenticate" not in r.headers for r in (core_401, api_401))


def _token_type_capitalised(m: Manifest) -> bool:
    return request_token(m).json()["token_type"] == "Bearer"


DEFECT_PROBES: dict[str, Callable[[Manifest], bool]] = {
    "token-type-drift": _token_type_capitalised,
    "core-token-accepted-on-endpoint-api": _core_token_on_endpoint_api,
    "scope-not-enforced": _read_token_creates,
    "token-response-cacheable": _token_cacheable,
    "undocumented-status": _create_answers_201,
    "read-only-attribute-writable": _read_only_applied,
    "pagination-broken": _offset_ignored,
    "auth-ignored": _anonymous_served,
    "secret-not-checked": _any_password,
    "cross-environment-credentials": _cross_environment,
    "challenge-header-missing": _no_challenge,
}


@pytest.mark.parametrize("defect", list(DEFECT_PROBES))
def test_defect_breaks_exactly_its_behaviour(manifest: Manifest, defect: str) -> None:
    probe = DEFECT_PROBES[defect]
    assert probe(manifest) is False, f"{defect}: broken behaviour seen without the defect"
    with SandboxServer(defects=[defect]) as server:
        assert probe(server.manifest) is True, f"{defect}: documented behaviour kept with the defect on"
