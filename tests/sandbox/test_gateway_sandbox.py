"""The embedded API gateway over real HTTP: client credentials per environment, contracts, plans, rate limits.

Documented behaviour: seeds 000 (client-id enforcement), 001 (contracts), 003 (plans, 429 body),
vendor-facts.md (MuleSoft / API Connect) and ARCHITECTURE.md (roles, plans). The AT&T lookup is the API
behind the gateway here; Chorus is used where a second API is needed (403 without a contract).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from apiconform.contracts import load_schema, validator_for
from apiconform.sandbox.server import SandboxServer

ATT = "att-end-customer-lookup"
CHORUS = "chorus-line-test"
PATH = "/api/v1/customerAccountLookup"
SEED_REQUEST = load_schema("att/end-customer-lookup-request.json")["examples"][0]
SEED_RECORDS = load_schema("att/end-customer-lookup-response.json")["examples"][0]
TRACE = {"x-trace-id": "apiconform-gateway-test"}
RATE_429 = {"httpCode": "429", "httpMessage": "Too Many Requests", "moreInformation": "Rate Limit exceeded"}


def valid(schema: str, instance: Any) -> Any:
    validator_for(schema).validate(instance)
    return instance


def creds(server: SandboxServer, env: str = "sandbox", role: str = "primary") -> dict[str, str]:
    cred = server.manifest.credentials[env][role]
    return {"client_id": cred["client_id"], "client_secret": cred["client_secret"]}


def att(server: SandboxServer, headers: dict[str, str], env: str = "sandbox", body: Any = None) -> httpx.Response:
    """One AT&T lookup with exactly these credential headers (plus x-trace-id)."""
    url = server.manifest.base_url(env, ATT) + PATH
    return httpx.post(url, json=SEED_REQUEST if body is None else body, headers=headers | TRACE, timeout=10)


def known_input(server: SandboxServer, env: str) -> Any:
    return server.manifest.known_inputs[env][ATT]["lookupEndCustomer"][0]["body"]


def portal(server: SandboxServer, role: str = "developer") -> httpx.Client:
    cred = server.manifest.portal_credentials[role]
    return httpx.Client(base_url=server.manifest.portal_url, auth=(cred["username"], cred["password"]), timeout=10)


def advance_clock(server: SandboxServer, seconds: int) -> float:
    with portal(server, "admin") as admin:
        response = admin.post("/v1/admin/clock", json={"seconds": seconds})
    assert response.status_code == 200, response.text
    now = response.json()["now"]
    return datetime.strptime(now, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def align_window(server: SandboxServer, interval: int = 60) -> None:
    """Move the sandbox clock to the start of a fresh rate-limit window (fixed windows aligned to the epoch)."""
    now = advance_clock(server, 0)
    advance_clock(server, interval - math.floor(now % interval))


def new_app(server: SandboxServer, plan: str, env: str = "sandbox", apis: tuple[str, ...] = (ATT,)) -> dict[str, str]:
    """A freshly registered application with activated contracts: its credentials and app_id."""
    with portal(server) as dev:
        registered = dev.post(
            "/v1/apps", json={"name": f"gw-{plan}", "organisation": "acme", "environment": env, "plan_id": plan}
        )
        assert registered.status_code == 201, registered.text
        app = registered.json()
        for api in apis:
            contract = dev.post(f"/v1/apps/{app['app_id']}/contracts", json={"api": api, "environment": env})
            assert contract.status_code == 201 and contract.json()["status"] == "activated", contract.text
    return {"client_id": app["client_id"], "client_secret": app["client_secret"], "app_id": app["app_id"]}


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == "Client-ID-Enforcement"
    body = valid("common/gateway-error.json", response.json())
    assert body["httpCode"] == "401" and body["httpMessage"] == "Unauthorized"


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running


# -- credentials ----------------------------------------------------------------------------------------------


def test_valid_credentials_are_served_in_each_environment(server: SandboxServer) -> None:
    assert att(server, creds(server)).json() == SEED_RECORDS
    response = att(server, creds(server, "production"), "production", known_input(server, "production"))
    assert response.status_code == 200
    valid("att/end-customer-lookup-response.json", response.json())


def test_missing_credentials_401_with_challenge(server: SandboxServer) -> None:
    response = att(server, {})
    assert_unauthorized(response)
    assert response.json() == {
        "httpCode": "401",
        "httpMessage": "Unauthorized",
        "moreInformation": "Invalid client id or secret.",
    }


BAD_HEADERS: dict[str, Callable[[dict[str, str]], dict[str, str]]] = {
    "id-only": lambda c: {"client_id": c["client_id"]},
    "secret-only": lambda c: {"client_secret": c["client_secret"]},
    "both-empty": lambda c: {"client_id": "", "client_secret": ""},
    "empty-secret": lambda c: {"client_id": c["client_id"], "client_secret": ""},
    "empty-id": lambda c: {"client_id": "", "client_secret": c["client_secret"]},
    "unknown-id": lambda c: {"client_id": "0" * 32, "client_secret": c["client_secret"]},
    "wrong-secret": lambda c: {"client_id": c["client_id"], "client_secret": c["client_secret"] + "x"},
    "swapped": lambda c: {"client_id": c["client_secret"], "client_secret": c["client_id"]},
}


@pytest.mark.parametrize("make", BAD_HEADERS.values(), ids=BAD_HEADERS.keys())
def test_bad_credentials_401(server: SandboxServer, make: Callable[[dict[str, str]], dict[str, str]]) -> None:
    assert_unauthorized(att(server, make(creds(server))))


def test_sandbox_credentials_refused_by_production(server: SandboxServer) -> None:
    assert_unauthorized(att(server, creds(server, "sandbox"), "production", known_input(server, "production")))


def test_production_credentials_refused_by_sandbox(server: SandboxServer) -> None:
    assert_unauthorized(att(server, creds(server, "production"), "sandbox"))


def test_environments_have_distinct_credentials(server: SandboxServer) -> None:
    for role in ("primary", "other_org", "limited", "att_only"):
        sandbox, production = creds(server, "sandbox", role), creds(server, "production", role)
        assert sandbox["client_id"] != production["client_id"]
        assert sandbox["client_secret"] != production["client_secret"]


@pytest.mark.parametrize("env", ["sandbox", "production"])
def test_att_only_role_is_403_on_chorus(server: SandboxServer, env: str) -> None:
    cred = creds(server, env, "att_only")
    headers = {"X-Chorus-Client-ID": cred["client_id"], "X-Chorus-Client-Secret": cred["client_secret"]}
    response = httpx.get(server.manifest.base_url(env, CHORUS) + "/tests", headers=headers, timeout=10)
    assert response.status_code == 403, response.text
    assert valid("chorus/error.json", response.json())["code"] == "Auth-001"
    assert att(server, cred, env, known_input(server, env)).status_code == 200


def test_no_contract_for_att_is_403(server: SandboxServer) -> None:
    response = att(server, creds(server, "sandbox", "other_org"))
    assert response.status_code == 403, response.text
    assert valid("common/gateway-error.json", response.json())["httpCode"] == "403"
    assert "client_secret" not in response.text


# -- plans and rate limits -----------------------------------------------------------------------------------


def test_bronze_plan_limits_att_lookup_to_five_per_minute(server: SandboxServer) -> None:
    limited = creds(server, "sandbox", "limited")
    align_window(server)
    remaining = []
    for _ in range(5):
        response = att(server, limited)
        assert response.status_code == 200, response.text
        assert response.headers["X-RateLimit-Limit"] == "5"
        remaining.append(int(response.headers["X-RateLimit-Remaining"]))
    assert remaining == [4, 3, 2, 1, 0]

    refused = att(server, limited)
    assert refused.status_code == 429
    assert refused.json() == RATE_429
    valid("common/gateway-error.json", refused.json())
    retry_after = refused.headers["Retry-After"]
    assert retry_after.isdigit() and 1 <= int(retry_after) <= 60
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert SEED_RECORDS[0]["accountId"] not in refused.text

    # another caller on another plan is not affected by limited's exhausted quota
    assert att(server, creds(server)).status_code == 200

    advance_clock(server, 60)
    again = att(server, limited)
    assert again.status_code == 200, again.text
    assert again.json() == SEED_RECORDS
    assert again.headers["X-RateLimit-Remaining"] == "4"


def test_rate_limits_are_counted_per_environment(server: SandboxServer) -> None:
    align_window(server)
    for _ in range(5):
        assert att(server, creds(server, "sandbox", "limited")).status_code == 200
    assert att(server, creds(server, "sandbox", "limited")).status_code == 429
    production = att(server, creds(server, "production", "limited"), "production", known_input(server, "production"))
    assert production.status_code == 200
    assert production.headers["X-RateLimit-Remaining"] == "4"


# -- gateway defects: documented with the defect off, broken with it on ---------------------------------------


def _no_credentials(server: SandboxServer) -> Any:
    response = att(server, {})
    return response.status_code, response.status_code == 200 and response.json() == SEED_RECORDS


def _wrong_secret(server: SandboxServer) -> Any:
    return att(server, creds(server) | {"client_secret": "not-the-secret"}).status_code


def _cross_environment(server: SandboxServer) -> Any:
    into_production = att(server, creds(server, "sandbox"), "production", known_input(server, "production"))
    into_sandbox = att(server, creds(server, "production"), "sandbox")
    return into_production.status_code, into_sandbox.status_code


def _challenges(server: SandboxServer) -> Any:
    api = att(server, {})
    with httpx.Client(base_url=server.manifest.portal_url, timeout=10) as anonymous:
        portal_answer = anonymous.get("/v1/plans")
    assert api.status_code == 401 and portal_answer.status_code == 401
    return api.headers.get("WWW-Authenticate"), portal_answer.headers.get("WWW-Authenticate")


def _six_calls(server: SandboxServer) -> list[httpx.Response]:
    fresh = new_app(server, "bronze")
    align_window(server)
    return [att(server, fresh) for _ in range(6)]


def _statuses_past_limit(server: SandboxServer) -> Any:
    return [r.status_code for r in _six_calls(server)]


def _remaining_countdown(server: SandboxServer) -> Any:
    return [int(r.headers["X-RateLimit-Remaining"]) for r in _six_calls(server)[:5]]


def _secret_in_401_body(server: SandboxServer) -> Any:
    sent = "s3cr3t-" + creds(server)["client_secret"][:8]
    response = att(server, creds(server) | {"client_secret": sent})
    assert response.status_code == 401
    return sent in response.text  # the raw body; never printed


# defect -> (probe, observation with the defect off, observation with it on)
GATEWAY_DEFECTS: dict[str, tuple[Callable[[SandboxServer], Any], Any, Any]] = {
    "auth-ignored": (_no_credentials, (401, False), (200, True)),
    "secret-not-checked": (_wrong_secret, 401, 200),
    "cross-environment-credentials": (_cross_environment, (401, 401), (200, 200)),
    "challenge-header-missing": (_challenges, ("Client-ID-Enforcement", 'Basic realm="portal"'), (None, None)),
    "rate-limit-not-enforced": (_statuses_past_limit, [200] * 5 + [429], [200] * 6),
    "rate-limit-headers-wrong": (_remaining_countdown, [4, 3, 2, 1, 0], [5, 5, 5, 5, 5]),
    "secret-echoed-in-error": (_secret_in_401_body, False, True),
}


@pytest.mark.parametrize("defect", GATEWAY_DEFECTS)
def test_gateway_defect_off_documented(server: SandboxServer, defect: str) -> None:
    probe, documented, _ = GATEWAY_DEFECTS[defect]
    assert probe(server) == documented


@pytest.mark.parametrize("defect", GATEWAY_DEFECTS)
def test_gateway_defect_on_breaks_the_contract(defect: str) -> None:
    probe, _, broken = GATEWAY_DEFECTS[defect]
    with SandboxServer(defects=[defect]) as bad:
        assert probe(bad) == broken


def test_secret_echoed_in_error_keeps_the_status_and_shape() -> None:
    with SandboxServer(defects=["secret-echoed-in-error"]) as bad:
        response = att(bad, creds(bad) | {"client_secret": "wrong"})
        assert_unauthorized(response)
        # without a secret there is nothing to echo: the documented body
        assert att(bad, {"client_id": creds(bad)["client_id"]}).json()["moreInformation"] == (
            "Invalid client id or secret."
        )


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", f"/sandbox/{CHORUS}/tests", "GET, POST"),
        ("PUT", "/sandbox/carrierx-core/endpoints/e1", "DELETE, GET, PATCH"),
        ("GET", f"/production/{ATT}{PATH}", "POST"),
    ],
)
def test_405_names_every_method_of_the_path(server: SandboxServer, method: str, path: str, allowed: str) -> None:
    """RFC 9110 15.5.6: a 405 "MUST generate an Allow header field" listing the target's methods, all of them."""
    response = httpx.request(method, server.manifest.root_url + path, timeout=10)
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == allowed


def test_unknown_path_is_404(server: SandboxServer) -> None:
    response = httpx.get(server.manifest.root_url + f"/sandbox/{CHORUS}/no-such-path", timeout=10)
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})
