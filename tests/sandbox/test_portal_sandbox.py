"""The embedded developer portal over real HTTP: plans, registration, secrets, contracts, environments, admin.

Documented behaviour: seed 001 (contracts, Go Live, switching environments cancels contracts), seed 003
(plans, secret shown once, reset, usage), ARCHITECTURE.md (portal operations) and schemas/portal/.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from apiconform.contracts import load_schema, validator_for
from apiconform.errors import UsageError
from apiconform.sandbox.defects import DEFECTS, validate_defects
from apiconform.sandbox.server import SandboxServer

ATT = "att-end-customer-lookup"
PATH = "/api/v1/customerAccountLookup"
SEED_REQUEST = load_schema("att/end-customer-lookup-request.json")["examples"][0]
SEED_RECORDS = load_schema("att/end-customer-lookup-response.json")["examples"][0]
_names = itertools.count(1)


def valid(schema: str, instance: Any) -> Any:
    validator_for(schema).validate(instance)
    return instance


def portal(server: SandboxServer, role: str = "developer") -> httpx.Client:
    cred = server.manifest.portal_credentials[role]
    return httpx.Client(base_url=server.manifest.portal_url, auth=(cred["username"], cred["password"]), timeout=10)


def att(
    server: SandboxServer, client_id: str | None, client_secret: str | None, env: str = "sandbox"
) -> httpx.Response:
    """The seed's sample lookup with these credentials (None leaves the header out)."""
    headers = {"x-trace-id": "apiconform-portal-test"}
    if client_id is not None:
        headers["client_id"] = client_id
    if client_secret is not None:
        headers["client_secret"] = client_secret
    return httpx.post(server.manifest.base_url(env, ATT) + PATH, json=SEED_REQUEST, headers=headers, timeout=10)


def served(response: httpx.Response) -> bool:
    """The gateway let the call through to the API (a 200 with records or the API's own 404)."""
    return response.status_code in (200, 404) and "httpCode" not in response.text


def assert_gateway_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = valid("common/gateway-error.json", response.json())
    assert body["httpCode"] == str(status)
    return body


def register(dev: httpx.Client, plan: str = "standard", env: str = "sandbox") -> dict[str, Any]:
    body = {"name": f"portal-test-{next(_names)}", "organisation": "acme", "environment": env, "plan_id": plan}
    response = dev.post("/v1/apps", json=body)
    assert response.status_code == 201, response.text
    app: dict[str, Any] = valid("portal/app-registration.json", response.json())
    return app


def request_access(dev: httpx.Client, app: dict[str, Any], api: str = ATT, env: str | None = None) -> httpx.Response:
    return dev.post(f"/v1/apps/{app['app_id']}/contracts", json={"api": api, "environment": env or app["environment"]})


def contract_of(response: httpx.Response, status: str) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    contract: dict[str, Any] = valid("portal/contract.json", response.json())
    assert contract["status"] == status
    return contract


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running


@pytest.fixture(scope="module")
def dev(server: SandboxServer) -> Iterator[httpx.Client]:
    with portal(server) as client:
        yield client


@pytest.fixture(scope="module")
def admin(server: SandboxServer) -> Iterator[httpx.Client]:
    with portal(server, "admin") as client:
        yield client


# -- plans ----------------------------------------------------------------------------------------------------


def test_list_plans_common_and_per_operation_limits(dev: httpx.Client) -> None:
    response = dev.get("/v1/plans")
    assert response.status_code == 200
    plans = {p["plan_id"]: valid("portal/plan.json", p) for p in response.json()}
    assert set(plans) == {"standard", "bronze", "gold"}
    assert plans["standard"]["restricted"] is False
    assert plans["standard"]["rate_limit"] == {"calls": 100_000, "interval_seconds": 60}
    assert plans["standard"]["operation_limits"] == []
    assert plans["gold"]["restricted"] is True
    assert plans["gold"]["rate_limit"] == {"calls": 100_000, "interval_seconds": 60}
    assert plans["bronze"]["restricted"] is False
    assert plans["bronze"]["rate_limit"] is None
    assert {"api": ATT, "operation": "lookupEndCustomer", "calls": 5, "interval_seconds": 60} in plans["bronze"][
        "operation_limits"
    ]


# -- registration and the secret shown once --------------------------------------------------------------------


def test_register_app_shows_secret_once(dev: httpx.Client) -> None:
    app = register(dev)
    assert app["client_secret"] and app["client_id"] and app["environment"] == "sandbox"
    read = dev.get(f"/v1/apps/{app['app_id']}")
    assert read.status_code == 200
    body = valid("portal/app.json", read.json())
    assert "client_secret" not in body
    assert app["client_secret"] not in read.text
    assert body["client_id"] == app["client_id"] and body["plan_id"] == "standard"


def test_new_app_without_contract_is_403(server: SandboxServer, dev: httpx.Client) -> None:
    app = register(dev)
    assert_gateway_error(att(server, app["client_id"], app["client_secret"]), 403)


def test_standard_plan_access_is_activated_and_works(server: SandboxServer, dev: httpx.Client) -> None:
    app = register(dev)
    contract = contract_of(request_access(dev, app), "activated")
    assert contract["app_id"] == app["app_id"] and contract["api"] == ATT and contract["environment"] == "sandbox"
    listed = dev.get(f"/v1/apps/{app['app_id']}/contracts")
    assert listed.status_code == 200
    assert [valid("portal/contract.json", c)["contract_id"] for c in listed.json()] == [contract["contract_id"]]
    response = att(server, app["client_id"], app["client_secret"])
    assert response.status_code == 200 and response.json() == SEED_RECORDS


def test_reset_secret_retires_the_old_one_at_once(server: SandboxServer, dev: httpx.Client) -> None:
    app = register(dev)
    contract_of(request_access(dev, app), "activated")
    assert served(att(server, app["client_id"], app["client_secret"]))
    reset = dev.post(f"/v1/apps/{app['app_id']}/reset-secret")
    assert reset.status_code == 200
    fresh = valid("portal/secret-reset.json", reset.json())
    assert fresh["client_id"] == app["client_id"] and fresh["client_secret"] != app["client_secret"]
    assert_gateway_error(att(server, app["client_id"], app["client_secret"]), 401)
    assert served(att(server, app["client_id"], fresh["client_secret"]))
    assert "client_secret" not in dev.get(f"/v1/apps/{app['app_id']}").json()


def test_gold_plan_needs_admin_approval(server: SandboxServer, dev: httpx.Client, admin: httpx.Client) -> None:
    app = register(dev, plan="gold")
    contract = contract_of(request_access(dev, app), "pending_approval")
    assert_gateway_error(att(server, app["client_id"], app["client_secret"]), 403)
    # a developer cannot approve their own request
    assert_gateway_error(dev.post(f"/v1/admin/contracts/{contract['contract_id']}/approve"), 401)
    approved = contract_of(admin.post(f"/v1/admin/contracts/{contract['contract_id']}/approve"), "activated")
    assert approved["contract_id"] == contract["contract_id"]
    assert att(server, app["client_id"], app["client_secret"]).json() == SEED_RECORDS


def test_cancel_contract_stops_access(server: SandboxServer, dev: httpx.Client) -> None:
    app = register(dev)
    contract = contract_of(request_access(dev, app), "activated")
    assert served(att(server, app["client_id"], app["client_secret"]))
    contract_of(dev.post(f"/v1/contracts/{contract['contract_id']}/cancel"), "cancelled")
    contract_of(dev.get(f"/v1/contracts/{contract['contract_id']}"), "cancelled")
    assert_gateway_error(att(server, app["client_id"], app["client_secret"]), 403)


def test_switch_environment_cancels_contracts(server: SandboxServer, dev: httpx.Client) -> None:
    app = register(dev)
    contract = contract_of(request_access(dev, app), "activated")
    assert served(att(server, app["client_id"], app["client_secret"]))
    switched = dev.post(f"/v1/apps/{app['app_id']}/switch-environment", json={"environment": "production"})
    assert switched.status_code == 200
    view = valid("portal/app.json", switched.json())
    assert view["environment"] == "production" and "client_secret" not in view
    contract_of(dev.get(f"/v1/contracts/{contract['contract_id']}"), "cancelled")
    assert_gateway_error(att(server, app["client_id"], app["client_secret"], "sandbox"), 401)
    # live access has no contract yet (seed 001: a new access request is needed after switching)
    assert_gateway_error(att(server, app["client_id"], app["client_secret"], "production"), 403)
    contract_of(request_access(dev, app, env="production"), "activated")
    assert served(att(server, app["client_id"], app["client_secret"], "production"))


def test_request_access_for_other_environment_is_409(dev: httpx.Client) -> None:
    app = register(dev)
    assert_gateway_error(request_access(dev, app, env="production"), 409)
    assert dev.get(f"/v1/apps/{app['app_id']}/contracts").json() == []


def test_unknown_plan_is_404(dev: httpx.Client) -> None:
    body = {"name": "x", "organisation": "acme", "environment": "sandbox", "plan_id": "platinum"}
    assert_gateway_error(dev.post("/v1/apps", json=body), 404)


@pytest.mark.parametrize(
    "path",
    ["/v1/apps/app_000000000000", "/v1/contracts/ctr_000000000000", "/v1/apps/app_000000000000/usage"],
)
def test_unknown_ids_are_404(dev: httpx.Client, path: str) -> None:
    assert_gateway_error(dev.get(path), 404)


INVALID_REGISTRATIONS = {
    "extra-key": {"name": "x", "organisation": "acme", "environment": "sandbox", "plan_id": "standard", "x": 1},
    "wrong-type": {"name": 42, "organisation": "acme", "environment": "sandbox", "plan_id": "standard"},
    "bad-environment": {"name": "x", "organisation": "acme", "environment": "staging", "plan_id": "standard"},
    "missing-plan": {"name": "x", "organisation": "acme", "environment": "sandbox"},
    "not-an-object": ["standard"],
}


@pytest.mark.parametrize("body", INVALID_REGISTRATIONS.values(), ids=INVALID_REGISTRATIONS.keys())
def test_invalid_registration_is_400(dev: httpx.Client, body: Any) -> None:
    assert not validator_for("portal/app-registration-request.json").is_valid(body)
    assert_gateway_error(dev.post("/v1/apps", json=body), 400)


def test_non_json_registration_is_400(dev: httpx.Client) -> None:
    response = dev.post("/v1/apps", content=b"{name", headers={"content-type": "application/json"})
    assert_gateway_error(response, 400)


def test_invalid_contract_request_is_400(dev: httpx.Client) -> None:
    app = register(dev)
    path = f"/v1/apps/{app['app_id']}/contracts"
    assert_gateway_error(dev.post(path, json={"api": ATT, "environment": "sandbox", "extra": True}), 400)
    assert_gateway_error(dev.post(path, json={"api": 7, "environment": "sandbox"}), 400)


# -- portal authentication ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/plans", "/v1/admin/defects"])
def test_portal_without_auth_is_401_with_basic_challenge(server: SandboxServer, path: str) -> None:
    response = httpx.get(server.manifest.portal_url + path, timeout=10)
    assert_gateway_error(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Basic realm="portal"'


def test_portal_wrong_password_is_401(server: SandboxServer) -> None:
    username = server.manifest.portal_credentials["developer"]["username"]
    response = httpx.get(server.manifest.portal_url + "/v1/plans", auth=(username, "wrong"), timeout=10)
    assert_gateway_error(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Basic realm="portal"'


def test_developer_login_on_admin_operations_is_401(dev: httpx.Client) -> None:
    for method, path, body in [
        ("GET", "/v1/admin/defects", None),
        ("PUT", "/v1/admin/defects", {"defects": ["auth-ignored"]}),
        ("POST", "/v1/admin/clock", {"seconds": 60}),
    ]:
        response = dev.request(method, path, json=body)
        assert_gateway_error(response, 401)
        assert response.headers["WWW-Authenticate"] == 'Basic realm="portal"'


def test_admin_login_is_not_a_developer_login(admin: httpx.Client) -> None:
    assert_gateway_error(admin.get("/v1/plans"), 401)


# -- usage ------------------------------------------------------------------------------------------------------


def test_usage_reports_calls_against_the_plan_limit(
    server: SandboxServer, dev: httpx.Client, admin: httpx.Client
) -> None:
    app = register(dev, plan="bronze")
    contract_of(request_access(dev, app), "activated")
    # start in a fresh window so the three calls and the read fall into the same one
    now = admin.post("/v1/admin/clock", json={"seconds": 0}).json()["now"]
    assert admin.post("/v1/admin/clock", json={"seconds": 60 - int(now[17:19])}).status_code == 200
    for _ in range(3):
        assert att(server, app["client_id"], app["client_secret"]).status_code == 200
    assert_gateway_error(att(server, app["client_id"], "wrong"), 401)  # refused calls are not counted
    response = dev.get(f"/v1/apps/{app['app_id']}/usage")
    assert response.status_code == 200
    usage = valid("portal/usage.json", response.json())
    assert usage["app_id"] == app["app_id"] and usage["plan_id"] == "bronze"
    item = next(i for i in usage["items"] if i["api"] == ATT)
    assert item == {
        "api": ATT,
        "operation": "lookupEndCustomer",
        "calls": 3,
        "limit": 5,
        "remaining": 2,
        "window_seconds": 60,
    }


# -- admin: defects ---------------------------------------------------------------------------------------------


def test_get_defects_lists_the_catalogue(admin: httpx.Client) -> None:
    response = admin.get("/v1/admin/defects")
    assert response.status_code == 200
    body = valid("portal/defects.json", response.json())
    assert body["active"] == []
    assert {d["name"] for d in body["available"]} == set(DEFECTS)


def test_put_unknown_defect_is_422_listing_valid_names(admin: httpx.Client) -> None:
    response = admin.put("/v1/admin/defects", json={"defects": ["auth-ignored", "nope"]})
    body = assert_gateway_error(response, 422)
    assert "nope" in body["moreInformation"]
    assert all(name in body["moreInformation"] for name in DEFECTS)
    assert admin.get("/v1/admin/defects").json()["active"] == []


def test_put_known_defect_switches_it_on_and_off() -> None:
    with SandboxServer() as fresh, portal(fresh, "admin") as admin:
        assert_gateway_error(att(fresh, None, None), 401)
        response = admin.put("/v1/admin/defects", json={"defects": ["auth-ignored"]})
        assert response.status_code == 200
        assert valid("portal/defects.json", response.json())["active"] == ["auth-ignored"]
        assert admin.get("/v1/admin/defects").json()["active"] == ["auth-ignored"]
        ignored = att(fresh, None, None)
        assert ignored.status_code == 200 and ignored.json() == SEED_RECORDS
        assert admin.put("/v1/admin/defects", json={"defects": []}).json()["active"] == []
        assert_gateway_error(att(fresh, None, None), 401)


def test_validate_defects_names_valid_ones_and_suggests() -> None:
    assert validate_defects(["auth-ignored"]) == frozenset({"auth-ignored"})
    with pytest.raises(UsageError) as unknown:
        validate_defects(["nope"])
    assert "nope" in str(unknown.value)
    assert all(name in str(unknown.value) for name in DEFECTS)
    with pytest.raises(UsageError, match="Did you mean 'auth-ignored'"):
        validate_defects(["auth-ignore"])


# -- lifecycle defects: documented with the defect off, broken with it on -----------------------------------------


def _stale_secret(server: SandboxServer) -> Any:
    with portal(server) as dev:
        app = register(dev)
        contract_of(request_access(dev, app), "activated")
        assert dev.post(f"/v1/apps/{app['app_id']}/reset-secret").status_code == 200
    return att(server, app["client_id"], app["client_secret"]).status_code


def _pending_contract(server: SandboxServer) -> Any:
    with portal(server) as dev:
        app = register(dev, plan="gold")
        contract_of(request_access(dev, app), "pending_approval")
    return att(server, app["client_id"], app["client_secret"]).status_code


def _cancelled_contract(server: SandboxServer) -> Any:
    with portal(server) as dev:
        app = register(dev)
        contract = contract_of(request_access(dev, app), "activated")
        contract_of(dev.post(f"/v1/contracts/{contract['contract_id']}/cancel"), "cancelled")
    return att(server, app["client_id"], app["client_secret"]).status_code


def _secret_readable(server: SandboxServer) -> Any:
    with portal(server) as dev:
        app = register(dev)
        body = dev.get(f"/v1/apps/{app['app_id']}").json()
    return body.get("client_secret") == app["client_secret"], validator_for("portal/app.json").is_valid(body)


# defect -> (probe, observation with the defect off, observation with it on)
LIFECYCLE_DEFECTS: dict[str, tuple[Callable[[SandboxServer], Any], Any, Any]] = {
    "stale-secret-accepted": (_stale_secret, 401, 200),
    "pending-contract-allowed": (_pending_contract, 403, 200),
    "cancelled-contract-allowed": (_cancelled_contract, 403, 200),
    "secret-readable-after-registration": (_secret_readable, (False, True), (True, False)),
}


@pytest.mark.parametrize("defect", LIFECYCLE_DEFECTS)
def test_lifecycle_defect_off_documented(server: SandboxServer, defect: str) -> None:
    probe, documented, _ = LIFECYCLE_DEFECTS[defect]
    assert probe(server) == documented


@pytest.mark.parametrize("defect", LIFECYCLE_DEFECTS)
def test_lifecycle_defect_on_breaks_the_contract(defect: str) -> None:
    probe, _, broken = LIFECYCLE_DEFECTS[defect]
    with SandboxServer(defects=[defect]) as bad:
        assert probe(bad) == broken
