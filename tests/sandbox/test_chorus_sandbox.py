"""The embedded Chorus Line Test API over real HTTP: shapes, codes, headers, isolation, limits, defects.

Documented behaviour: seed 000 (000_2f66a903044d6bbc.txt), vendor-facts.md "Chorus", ARCHITECTURE.md
(chorus-line-test operations) and the JSON Schemas in schemas/chorus/.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from apiconform.contracts import validator_for
from apiconform.sandbox.server import SandboxServer

API = "chorus-line-test"
TEST_ID = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z]{2}[0-9]{2}")
# env -> (own product, other product of own org, globex product, own test, globex test)
FIXTURES = {
    "sandbox": ("ACME0001", "ACME0002", "GLBX0001", "AC01SB01", "GL01SB01"),
    "production": ("PACM0001", "PACM0002", "PGLX0001", "AC01PR01", "GL01PR01"),
}
VALID_BODY = {"productId": "ACME0001", "test": {"testType": "ontStatus"}}


def client(
    server: SandboxServer, env: str = "sandbox", role: str = "primary", as_env: str | None = None
) -> httpx.Client:
    """A client for ``env``'s base URL with the credentials of ``role`` in ``as_env`` (default ``env``)."""
    cred = server.manifest.credentials[as_env or env][role]
    headers = {"X-Chorus-Client-ID": cred["client_id"], "X-Chorus-Client-Secret": cred["client_secret"]}
    return httpx.Client(base_url=server.manifest.base_url(env, API), headers=headers, timeout=10)


def all_tests(c: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every test the caller can see, page by page (count 20)."""
    found: list[dict[str, Any]] = []
    while page := c.get("/tests", params=params | {"offset": len(found)}).json()["tests"]:
        found.extend(page)
    return found


def admin(server: SandboxServer) -> httpx.Client:
    cred = server.manifest.portal_credentials["admin"]
    return httpx.Client(base_url=server.manifest.portal_url, auth=(cred["username"], cred["password"]), timeout=10)


def developer(server: SandboxServer) -> httpx.Client:
    cred = server.manifest.portal_credentials["developer"]
    return httpx.Client(base_url=server.manifest.portal_url, auth=(cred["username"], cred["password"]), timeout=10)


def valid(schema: str, instance: Any) -> Any:
    validator_for(schema).validate(instance)
    return instance


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert valid("chorus/error.json", response.json())["code"] == code


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running


@pytest.fixture(scope="module")
def acme(server: SandboxServer) -> Iterator[httpx.Client]:
    with client(server) as c:
        yield c


# -- success shapes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ["sandbox", "production"])
def test_get_product_conforms_and_is_own(server: SandboxServer, env: str) -> None:
    own = FIXTURES[env][0]
    with client(server, env) as c:
        response = c.get(f"/products/{own}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = valid("chorus/product.json", response.json())
    assert body["productId"] == own and body["organisation"] == "acme"


@pytest.mark.parametrize("env", ["sandbox", "production"])
def test_get_test_conforms(server: SandboxServer, env: str) -> None:
    own_test = FIXTURES[env][3]
    with client(server, env) as c:
        response = c.get(f"/tests/{own_test}")
    assert response.status_code == 200
    body = valid("chorus/test-result.json", response.json())
    assert body["testId"] == own_test and body["status"] == "completed"


@pytest.mark.parametrize("env", ["sandbox", "production"])
def test_list_tests_shows_only_own_organisation(server: SandboxServer, env: str) -> None:
    own_products = set(FIXTURES[env][:2])
    with client(server, env) as c:
        body = valid("chorus/test-list.json", c.get("/tests").json())
    ids = {t["testId"] for t in body["tests"]}
    assert FIXTURES[env][3] in ids and FIXTURES[env][4] not in ids
    assert {t["productId"] for t in body["tests"]} <= own_products
    assert body["offset"] == 0 and body["count"] == len(body["tests"])


def test_environments_share_no_ids(server: SandboxServer) -> None:
    assert not set(FIXTURES["sandbox"]) & set(FIXTURES["production"])
    with client(server, "production") as c:
        assert_error(c.get(f"/products/{FIXTURES['sandbox'][0]}"), 404, "PT-005")
        assert_error(c.get(f"/tests/{FIXTURES['sandbox'][3]}"), 404, "PT-004")


def test_list_tests_filters_and_pages(acme: httpx.Client) -> None:
    for _ in range(3):
        assert acme.post("/tests", json={"productId": "ACME0002", "test": {"testType": "rgwBandwidth"}}).is_success
    filtered = valid("chorus/test-list.json", acme.get("/tests", params={"productId": "ACME0002"}).json())
    assert filtered["tests"] and {t["productId"] for t in filtered["tests"]} == {"ACME0002"}
    everything = acme.get("/tests").json()["tests"]
    page = valid("chorus/test-list.json", acme.get("/tests", params={"count": 2, "offset": 1}).json())
    assert page["count"] == 2 and page["offset"] == 1
    assert [t["testId"] for t in page["tests"]] == [t["testId"] for t in everything[1:3]]
    beyond = valid("chorus/test-list.json", acme.get("/tests", params={"offset": 1000}).json())
    assert beyond == {"count": 0, "offset": 1000, "tests": []}


def test_list_tests_count_default_and_maximum_is_20(acme: httpx.Client) -> None:
    while len(all_tests(acme)) < 21:
        assert acme.post("/tests", json=VALID_BODY).status_code == 201
    assert acme.get("/tests").json()["count"] == 20
    assert acme.get("/tests", params={"count": 20}).json()["count"] == 20


@pytest.mark.parametrize(
    "test_type",
    [
        "ontStatus",
        "rgwBandwidth",
        "statusOverTime",
        "lineStateDiagnosis",
        "nbltSingleLineTest",
        "nbltElectricalLoopTest",
    ],
)
def test_create_test_201_for_each_test_type(acme: httpx.Client, test_type: str) -> None:
    response = acme.post("/tests", json={"productId": "ACME0001", "test": {"testType": test_type}})
    assert response.status_code == 201
    body = valid("chorus/test-result.json", response.json())
    assert TEST_ID.fullmatch(body["testId"]) and body["testType"] == test_type
    assert body["status"] == "inProgress"


def test_created_test_is_stored_for_the_organisation_and_completes(server: SandboxServer, acme: httpx.Client) -> None:
    created = acme.post("/tests", json=VALID_BODY).json()
    test_id = created["testId"]
    assert acme.get(f"/tests/{test_id}").json()["status"] == "inProgress"
    assert test_id in {t["testId"] for t in all_tests(acme, productId="ACME0001")}
    with client(server, role="other_org") as globex:
        assert_error(globex.get(f"/tests/{test_id}"), 404, "PT-004")
    with admin(server) as portal:
        assert portal.post("/v1/admin/clock", json={"seconds": 10}).status_code == 200
    done = valid("chorus/test-result.json", acme.get(f"/tests/{test_id}").json())
    assert done["status"] == "completed" and isinstance(done["result"], dict)


def test_created_ids_are_unique(acme: httpx.Client) -> None:
    ids = [acme.post("/tests", json=VALID_BODY).json()["testId"] for _ in range(30)]
    assert len(set(ids)) == len(ids)


def test_known_inputs_find_primary_records(server: SandboxServer) -> None:
    for env in ("sandbox", "production"):
        known = server.manifest.known_inputs[env][API]
        assert set(known) == {"getProduct", "getTest", "createTest", "listTests"}
        with client(server, env) as c:
            product = known["getProduct"][0]["path_parameters"]["productId"]
            assert c.get(f"/products/{product}").status_code == 200
            test_id = known["getTest"][0]["path_parameters"]["testId"]
            assert c.get(f"/tests/{test_id}").status_code == 200
            assert c.post("/tests", json=known["createTest"][0]["body"]).status_code == 201
            listed = c.get("/tests", params=known["listTests"][0]["query"]).json()
            assert listed["tests"] and listed["count"] <= 5


# -- documented errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'"ACME0001"',
        b'{"test": {"testType": "ontStatus"}}',
        b'{"productId": "ACME0001"}',
        b'{"productId": 1, "test": {"testType": "ontStatus"}}',
        b'{"productId": "ACME 0001", "test": {"testType": "ontStatus"}}',
        b'{"productId": "ACME0001", "test": "ontStatus"}',
        b'{"productId": "ACME0001", "test": {}}',
        b'{"productId": "ACME0001", "test": {"testType": "speedTest"}}',
        b'{"productId": "ACME0001", "test": {"testType": ["ontStatus"]}}',
        b'{"productId": "ACME0001", "test": {"testType": "ontStatus"}, "extra": 1}',
        b'{"productId": "ACME0001", "test": {"testType": "ontStatus", "depth": 2}}',
    ],
)
def test_create_test_invalid_body_is_400_pt_023(acme: httpx.Client, content: bytes) -> None:
    response = acme.post("/tests", content=content, headers={"content-type": "application/json"})
    assert_error(response, 400, "PT-023")


@pytest.mark.parametrize("product", ["NOPE0001", "GLBX0001", "PACM0001"])
def test_create_test_unknown_or_foreign_product_is_404_pt_005(acme: httpx.Client, product: str) -> None:
    assert_error(acme.post("/tests", json={"productId": product, "test": {"testType": "ontStatus"}}), 404, "PT-005")


def test_list_tests_count_over_20_is_400_pt_007(acme: httpx.Client) -> None:
    assert_error(acme.get("/tests", params={"count": 21}), 400, "PT-007")


@pytest.mark.parametrize(
    "params",
    [
        {"count": 0},
        {"count": -3},
        {"count": "ten"},
        {"count": "2.5"},
        {"offset": -1},
        {"offset": "x"},
        {"productId": "bad id!"},
    ],
)
def test_list_tests_other_bad_query_is_400_pt_023(acme: httpx.Client, params: dict[str, Any]) -> None:
    assert_error(acme.get("/tests", params=params), 400, "PT-023")


@pytest.mark.parametrize("test_id", ["ac01sb01", "AC01SB0", "AC01SB011", "1234ABCD", "AC-1SB01", "AC01SB01%0A"])
def test_get_test_bad_format_is_400_pt_006(acme: httpx.Client, test_id: str) -> None:
    assert_error(acme.get(f"/tests/{test_id}"), 400, "PT-006")


def test_get_test_unknown_is_404_pt_004(acme: httpx.Client) -> None:
    assert_error(acme.get("/tests/ZZ99ZZ99"), 404, "PT-004")


def test_get_product_unknown_is_404_pt_005(acme: httpx.Client) -> None:
    assert_error(acme.get("/products/NOPE0001"), 404, "PT-005")


def test_other_organisations_test_and_product_are_404_without_data(server: SandboxServer) -> None:
    with client(server) as c:
        test_response, product_response = c.get("/tests/GL01SB01"), c.get("/products/GLBX0001")
    assert_error(test_response, 404, "PT-004")
    assert_error(product_response, 404, "PT-005")
    assert "globex" not in test_response.text + product_response.text
    with client(server, role="other_org") as globex:
        assert_error(globex.get("/tests/AC01SB01"), 404, "PT-004")
        assert globex.get("/products/GLBX0001").json()["organisation"] == "globex"


# -- gateway -----------------------------------------------------------------------------------------------


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Client-ID-Enforcement"
    assert valid("common/gateway-error.json", response.json())["httpCode"] == "401"


@pytest.mark.parametrize(("env", "as_env"), [("sandbox", "production"), ("production", "sandbox")])
def test_credentials_of_the_other_environment_are_401(server: SandboxServer, env: str, as_env: str) -> None:
    with client(server, env, as_env=as_env) as c:
        assert_unauthorized(c.get(f"/products/{FIXTURES[env][0]}"))


def test_missing_or_wrong_credentials_are_401(server: SandboxServer) -> None:
    base = server.manifest.base_url("sandbox", API)
    cred = server.manifest.credentials["sandbox"]["primary"]
    assert_unauthorized(httpx.get(f"{base}/tests"))
    assert_unauthorized(httpx.get(f"{base}/tests", headers={"X-Chorus-Client-ID": cred["client_id"]}))
    wrong = {"X-Chorus-Client-ID": cred["client_id"], "X-Chorus-Client-Secret": "wrong"}
    assert_unauthorized(httpx.get(f"{base}/tests", headers=wrong))


def test_att_only_application_is_403_auth_001(server: SandboxServer) -> None:
    with client(server, role="att_only") as c:
        response = c.get("/tests", headers={"X-Transaction-ID": "tx-403"})
    assert_error(response, 403, "Auth-001")
    assert response.headers["X-Transaction-ID"] == "tx-403"


def test_contract_pending_approval_is_403_auth_002(server: SandboxServer) -> None:
    with developer(server) as portal:
        registered = portal.post(
            "/v1/apps",
            json={"name": "acme-gold", "organisation": "acme", "environment": "sandbox", "plan_id": "gold"},
        ).json()
        contract = portal.post(
            f"/v1/apps/{registered['app_id']}/contracts", json={"api": API, "environment": "sandbox"}
        ).json()
    assert contract["status"] == "pending_approval"
    headers = {
        "X-Chorus-Client-ID": registered["client_id"],
        "X-Chorus-Client-Secret": registered["client_secret"],
    }
    assert_error(httpx.get(f"{server.manifest.base_url('sandbox', API)}/tests", headers=headers), 403, "Auth-002")


def test_limited_role_gets_429_with_retry_after_on_sixth_call() -> None:
    with SandboxServer() as fresh:
        with admin(fresh) as portal:  # start at the beginning of a 60 s window so all six calls share it
            now = datetime.fromisoformat(portal.post("/v1/admin/clock", json={"seconds": 0}).json()["now"])
            portal.post("/v1/admin/clock", json={"seconds": 60 - now.second})
        with client(fresh, role="limited") as c:
            answers = [c.get("/products/ACME0001", headers={"X-Transaction-ID": f"tx-{i}"}) for i in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:5]] == ["4", "3", "2", "1", "0"]
    refused = answers[5]
    assert int(refused.headers["Retry-After"]) >= 1
    assert valid("common/gateway-error.json", refused.json())["httpCode"] == "429"
    assert refused.headers["X-Transaction-ID"] == "tx-5"


# -- headers -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/products/ACME0001", 200),
        ("GET", "/tests", 200),
        ("GET", "/tests/AC01SB01", 200),
        ("POST", "/tests", 201),
        ("GET", "/tests/bad", 400),
        ("GET", "/products/NOPE0001", 404),
    ],
)
def test_every_response_echoes_transaction_id_and_carries_version_and_limits(
    acme: httpx.Client, method: str, path: str, status: int
) -> None:
    body = VALID_BODY if method == "POST" else None
    response = acme.request(method, path, json=body, headers={"X-Transaction-ID": "tx-echo-1"})
    assert response.status_code == status
    assert response.headers["X-Transaction-ID"] == "tx-echo-1"
    assert response.headers["X-Chorus-API-Version"]
    assert int(response.headers["X-RateLimit-Limit"]) >= 1
    assert int(response.headers["X-RateLimit-Remaining"]) >= 0
    assert int(response.headers["X-RateLimit-Reset"]) >= 0


def test_transaction_id_generated_when_absent(acme: httpx.Client) -> None:
    first, second = acme.get("/tests/AC01SB01"), acme.get("/tests/AC01SB01")
    assert first.headers["X-Transaction-ID"] and second.headers["X-Transaction-ID"]
    assert first.headers["X-Transaction-ID"] != second.headers["X-Transaction-ID"]


def test_generated_transaction_ids_stay_unique_when_the_global_random_is_reseeded(acme: httpx.Client) -> None:
    """hypothesis reseeds Python's global random for every example it runs, in the thread that sends."""
    ids = set()
    for _ in range(3):
        random.seed(0)
        ids.add(acme.get("/tests").headers["X-Transaction-ID"])
    assert len(ids) == 3


def test_401_echoes_transaction_id(server: SandboxServer) -> None:
    response = httpx.get(f"{server.manifest.base_url('sandbox', API)}/tests", headers={"X-Transaction-ID": "tx-401"})
    assert_unauthorized(response)
    assert response.headers["X-Transaction-ID"] == "tx-401"


# -- defects: documented behaviour with the defect off, the broken one with it on --------------------------


def test_defect_required_field_missing(acme: httpx.Client) -> None:
    assert "status" in acme.get("/tests/AC01SB01").json()
    with SandboxServer(defects=["required-field-missing"]) as broken, client(broken) as c:
        results = [
            c.get("/tests/AC01SB01").json(),
            c.post("/tests", json=VALID_BODY).json(),
            *c.get("/tests").json()["tests"],
        ]
    assert all("status" not in r for r in results)
    assert not validator_for("chorus/test-result.json").is_valid(results[0])


def test_defect_server_error_on_bad_input(acme: httpx.Client) -> None:
    bad = {"productId": "ACME0001", "test": {"testType": "speedTest"}}
    assert_error(acme.post("/tests", json=bad), 400, "PT-023")
    with SandboxServer(defects=["server-error-on-bad-input"]) as broken, client(broken) as c:
        assert c.post("/tests", json=bad).status_code == 500
        assert c.post("/tests", json=VALID_BODY).status_code == 201


def test_defect_wrong_content_type(acme: httpx.Client) -> None:
    good = acme.get("/products/ACME0001")
    assert good.headers["content-type"] == "application/json"
    with SandboxServer(defects=["wrong-content-type"]) as broken, client(broken) as c:
        response = c.get("/products/ACME0001")
        other = c.get("/tests/AC01SB01")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert response.content == good.content
    assert other.headers["content-type"] == "application/json"


def test_defect_org_data_leak(acme: httpx.Client) -> None:
    assert "GL01SB01" not in {t["testId"] for t in acme.get("/tests").json()["tests"]}
    with SandboxServer(defects=["org-data-leak"]) as broken, client(broken) as c:
        leaked_test = c.get("/tests/GL01SB01")
        leaked_product = c.get("/products/GLBX0001")
        listed = {t["testId"] for t in c.get("/tests").json()["tests"]}
    assert leaked_test.status_code == 200 and leaked_test.json()["productId"] == "GLBX0001"
    assert leaked_product.status_code == 200 and leaked_product.json()["organisation"] == "globex"
    assert "GL01SB01" in listed


def test_defect_transaction_id_not_echoed(acme: httpx.Client) -> None:
    assert acme.get("/tests", headers={"X-Transaction-ID": "tx-d"}).headers["X-Transaction-ID"] == "tx-d"
    with SandboxServer(defects=["transaction-id-not-echoed"]) as broken, client(broken) as c:
        response = c.get("/tests", headers={"X-Transaction-ID": "tx-d"})
        refused = c.get("/tests", headers={"X-Chorus-Client-Secret": "wrong", "X-Transaction-ID": "tx-d"})
    assert response.status_code == 200 and "X-Transaction-ID" not in response.headers
    assert refused.status_code == 401 and "X-Transaction-ID" not in refused.headers
