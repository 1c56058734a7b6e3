"""The Northwind example itself: its server over real HTTP, its contract, its configuration.

Fast (a few seconds): one server for the rules, one more per planted defect. The server's clock is a fake one,
so token expiry and rate-limit windows are checked without sleeping. Run:
``.venv/bin/python -m pytest examples/partner-api/test_server.py -q -p no:cacheprovider``.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource

HERE = Path(__file__).resolve().parent
CONTRACT = HERE / "contracts" / "northwind"
OPENAPI = CONTRACT / "parcel-tracking.openapi.json"
GUIDE_FILE = HERE / "docs" / "northwind-api.md"
GUIDE = "northwind-parcel-tracking-guide"  # its entry in contracts/sources.json names docs/northwind-api.md
SCHEMA_BASE = "https://schemas.apiconform.dev/northwind/"
FORM = {"content-type": "application/x-www-form-urlencoded"}

_spec = importlib.util.spec_from_file_location("northwind_example_server", HERE / "server.py")
assert _spec is not None and _spec.loader is not None
northwind = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = northwind
_spec.loader.exec_module(northwind)


class FakeClock:
    """The server's clock: tests move it instead of sleeping through expiries and windows."""

    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


# -- fixtures and helpers --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def nw(clock: FakeClock) -> Iterator[Any]:
    with northwind.start(clock=clock) as running:
        yield running


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def token_response(http: httpx.Client, nw: Any, env: str, role: str = "customer-a", **form: str) -> httpx.Response:
    client = nw.credentials[env][role]
    body = {"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": client.client_secret}
    return http.post(nw.base_url[env] + "/oauth/token", data={**body, **form}, headers=FORM)


def bearer(http: httpx.Client, nw: Any, env: str = "sandbox", role: str = "customer-a", **form: str) -> dict[str, str]:
    response = token_response(http, nw, env, role, **form)
    assert response.status_code == 200, response.text
    return {"Authorization": "Bearer " + response.json()["access_token"]}


def registry() -> Registry[Any]:
    schemas = [json.loads(p.read_text(encoding="utf-8")) for p in CONTRACT.glob("*.json") if p != OPENAPI]
    return Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas)


def conforms(schema_file: str, instance: Any) -> None:
    """The instance is valid against one of the contract's schemas (formats checked)."""
    schema = registry().contents(SCHEMA_BASE + schema_file)
    checker = Draft202012Validator.FORMAT_CHECKER
    errors = list(Draft202012Validator(schema, registry=registry(), format_checker=checker).iter_errors(instance))
    assert not errors, [e.message for e in errors]


def is_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    conforms("error.json", body)
    assert body["status"] == status
    return body


# -- token endpoint: client credentials, client_secret_post -------------------------------------------------
def test_token_issued_with_client_secret_post(http: httpx.Client, nw: Any) -> None:
    response = token_response(http, nw, "sandbox")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    conforms("oauth-token.json", body)
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("Bearer", 3600, "shipments.read shipments.write")
    assert token_response(http, nw, "sandbox", scope="shipments.read").json()["scope"] == "shipments.read"


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"client_secret": "not-the-secret"}, 401, "invalid_client"),
        ({"client_id": "nw_sbx_unknown"}, 401, "invalid_client"),
        ({"client_secret": ""}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": ""}, 400, "invalid_request"),
        ({"scope": "shipments.delete"}, 400, "invalid_scope"),
    ],
)
def test_token_request_refused(http: httpx.Client, nw: Any, change: dict[str, str], status: int, error: str) -> None:
    response = token_response(http, nw, "sandbox", **change)
    assert response.status_code == status
    assert response.json()["error"] == error
    conforms("oauth-error.json", response.json())
    assert nw.credentials["sandbox"]["customer-a"].client_secret not in response.text


def test_token_endpoint_reads_only_the_form_body(http: httpx.Client, nw: Any) -> None:
    client = nw.credentials["sandbox"]["customer-a"]
    url = nw.base_url["sandbox"] + "/oauth/token"
    basic = http.post(url, data={"grant_type": "client_credentials"}, auth=(client.client_id, client.client_secret))
    assert (basic.status_code, basic.json()["error"]) == (401, "invalid_client")  # client_secret_basic: not read
    form = {"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": client.client_secret}
    as_json = http.post(url, json=form)
    assert (as_json.status_code, as_json.json()["error"]) == (400, "invalid_request")
    repeated = http.post(url, content="grant_type=client_credentials&grant_type=client_credentials", headers=FORM)
    assert repeated.status_code == 400


# -- Bearer refusals (RFC 6750), scopes, expiry ----------------------------------------------------------
def test_missing_token_challenge_has_no_error_code(http: httpx.Client, nw: Any) -> None:
    response = http.get(nw.base_url["sandbox"] + "/shipments")
    assert "error" not in is_problem(response, 401)
    assert response.headers["www-authenticate"] == 'Bearer realm="northwind"'


def test_invalid_and_expired_tokens_refused(http: httpx.Client, nw: Any, clock: FakeClock) -> None:
    url = nw.base_url["sandbox"] + "/shipments"
    garbage = http.get(url, headers={"Authorization": "Bearer nwat_garbage"})
    assert is_problem(garbage, 401)["error"] == "invalid_token"
    assert garbage.headers["www-authenticate"] == 'Bearer realm="northwind", error="invalid_token"'
    auth = bearer(http, nw)
    assert http.get(url, headers=auth).status_code == 200
    clock.now += 3600
    assert is_problem(http.get(url, headers=auth), 401)["error"] == "invalid_token"


def test_scopes_are_enforced(http: httpx.Client, nw: Any) -> None:
    url = nw.base_url["sandbox"] + "/shipments"
    read_only = http.post(url, json=new_shipment(), headers=bearer(http, nw, scope="shipments.read"))
    assert is_problem(read_only, 403)["error"] == "insufficient_scope"
    assert read_only.headers["www-authenticate"] == (
        'Bearer realm="northwind", error="insufficient_scope", scope="shipments.write"'
    )
    write_only = http.get(url + "/SHP-1001", headers=bearer(http, nw, scope="shipments.write"))
    assert is_problem(write_only, 403)["error"] == "insufficient_scope"


def test_environments_never_accept_each_other(http: httpx.Client, nw: Any) -> None:
    sandbox_token = bearer(http, nw, "sandbox")
    production = nw.base_url["production"]
    assert is_problem(http.get(production + "/shipments", headers=sandbox_token), 401)["error"] == "invalid_token"
    client = nw.credentials["sandbox"]["customer-a"]
    form = {"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": client.client_secret}
    assert http.post(production + "/oauth/token", data=form, headers=FORM).status_code == 401
    assert http.get(production + "/shipments/SHP-1001", headers=bearer(http, nw, "production")).status_code == 404


# -- shipments -------------------------------------------------------------------------------------------
def new_shipment(**change: Any) -> dict[str, Any]:
    example: dict[str, Any] = copy.deepcopy(registry().contents(SCHEMA_BASE + "shipment-create.json")["examples"][0])
    return {**example, **change}


def test_create_read_and_track(http: httpx.Client, nw: Any) -> None:
    base, auth = nw.base_url["production"], bearer(http, nw, "production")
    created = http.post(base + "/shipments", json=new_shipment(), headers=auth)
    assert created.status_code == 201
    body = created.json()
    conforms("shipment.json", body)
    assert body["status"] == "label_created" and 7001 <= int(body["id"][4:]) <= 9999
    assert created.headers["location"] == f"{base}/shipments/{body['id']}"
    assert http.get(created.headers["location"], headers=auth).json() == body
    events = http.get(f"{base}/shipments/{body['id']}/events", headers=auth).json()
    conforms("tracking-events.json", events)
    assert [e["code"] for e in events["events"]] == ["label_created"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (new_shipment(weight_kg=71), 422),
        (new_shipment(weight_kg=0), 422),
        (new_shipment(service="teleport"), 422),
        (new_shipment(id="SHP-1234"), 422),  # read-only: set by Northwind
        (new_shipment(reference="x" * 36), 422),
        ({k: v for k, v in new_shipment().items() if k != "origin"}, 422),
        ([new_shipment()], 400),
        ("not json {", 400),
        ('{"service": NaN}', 400),
    ],
)
def test_invalid_shipments_rejected(http: httpx.Client, nw: Any, body: Any, status: int) -> None:
    content = body if isinstance(body, str) else json.dumps(body)
    response = http.post(nw.base_url["sandbox"] + "/shipments", content=content, headers=bearer(http, nw))
    problem = is_problem(response, status)
    assert status == 400 or problem["invalid_params"]


def test_shipments_and_events_conform(http: httpx.Client, nw: Any) -> None:
    base, auth = nw.base_url["sandbox"], bearer(http, nw)
    shipment = http.get(base + "/shipments/SHP-1001", headers=auth)
    conforms("shipment.json", shipment.json())
    assert all(name in shipment.headers for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"))
    conforms("tracking-events.json", http.get(base + "/shipments/SHP-1002/events", headers=auth).json())
    assert is_problem(http.get(base + "/shipments/SHP-99", headers=auth), 400)
    assert is_problem(http.get(base + "/shipments/SHP-1999/events", headers=auth), 404)
    assert is_problem(http.get(base + "/shipments/a%2Fb", headers=auth), 404)  # unrouted: problem details too


def test_pagination(http: httpx.Client, nw: Any) -> None:
    url, auth = nw.base_url["sandbox"] + "/shipments", bearer(http, nw, role="customer-b")
    first, second = (http.get(url, params={"limit": 2, "offset": o}, headers=auth).json() for o in (0, 2))
    for page in (first, second):
        conforms("shipment-list.json", page)
    assert [s["id"] for s in first["items"] + second["items"]] == ["SHP-1501", "SHP-1502", "SHP-1503"]
    assert (first["total"], first["limit"], second["offset"]) == (3, 2, 2)
    assert http.get(url, headers=auth).json()["limit"] == 20
    for bad in ({"limit": 0}, {"limit": 51}, {"limit": "ten"}, {"offset": -1}, {"limit": ["1", "2"]}):
        is_problem(http.get(url, params=bad, headers=auth), 400)


def test_organisations_are_isolated(http: httpx.Client, nw: Any) -> None:
    base = nw.base_url["sandbox"]
    listed = {
        role: http.get(base + "/shipments?limit=50", headers=bearer(http, nw, role=role)).json()["items"]
        for role in ("customer-a", "customer-b")
    }
    own_a, own_b = ({s["id"] for s in listed[role]} for role in ("customer-a", "customer-b"))
    assert own_b == {"SHP-1501", "SHP-1502", "SHP-1503"} and not own_a & own_b and "SHP-1001" in own_a
    auth_a = bearer(http, nw)
    for sid in own_b:
        assert is_problem(http.get(f"{base}/shipments/{sid}", headers=auth_a), 404)
        assert is_problem(http.get(f"{base}/shipments/{sid}/events", headers=auth_a), 404)


# -- rate limits -----------------------------------------------------------------------------------------
def test_small_plan_limit(http: httpx.Client, nw: Any, clock: FakeClock) -> None:
    url, auth = nw.base_url["sandbox"] + "/shipments/SHP-1001", bearer(http, nw, role="small-plan")
    answers = [http.get(url, headers=auth) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers[:5]] == ["4", "3", "2", "1", "0"]
    assert answers[0].headers["x-ratelimit-limit"] == "5" and answers[0].headers["x-ratelimit-reset"] == "60"
    is_problem(answers[5], 429)
    assert 1 <= int(answers[5].headers["retry-after"]) <= 60
    assert http.get(url + "/events", headers=auth).status_code == 200  # windows are per operation
    clock.now += 60
    assert http.get(url, headers=bearer(http, nw, role="small-plan")).headers["x-ratelimit-remaining"] == "4"


# -- planted defects: each breaks its own rule and no other --------------------------------------------------
def _wrong_secret(http: httpx.Client, nw: Any) -> bool:
    return token_response(http, nw, "sandbox", client_secret="wrong").status_code == 200


def _foreign_visible(http: httpx.Client, nw: Any) -> bool:
    return http.get(nw.base_url["sandbox"] + "/shipments/SHP-1501", headers=bearer(http, nw)).status_code == 200


def _weight_drift(http: httpx.Client, nw: Any) -> bool:
    body = http.get(nw.base_url["production"] + "/shipments/SHP-6001", headers=bearer(http, nw, "production")).json()
    return not isinstance(body["weight_kg"], int | float)


def _limit_ignored(http: httpx.Client, nw: Any) -> bool:
    auth = bearer(http, nw, "production", role="small-plan")
    statuses = [http.get(nw.base_url["production"] + "/shipments", headers=auth).status_code for _ in range(6)]
    return 429 not in statuses


PROBES: dict[str, Callable[[httpx.Client, Any], bool]] = {
    "wrong-secret-accepted": _wrong_secret,
    "foreign-shipment-visible": _foreign_visible,
    "weight-type-drift": _weight_drift,
    "rate-limit-ignored": _limit_ignored,
}


def test_every_defect_has_a_probe() -> None:
    assert set(PROBES) == set(northwind.DEFECTS)
    with pytest.raises(ValueError, match="unknown defect"):
        northwind.create_app(["no-such-defect"])


@pytest.mark.parametrize("defect", sorted(northwind.DEFECTS))
def test_defect_on_and_off(http: httpx.Client, defect: str) -> None:
    with northwind.start() as clean:
        assert not any(probe(http, clean) for probe in PROBES.values())
    with northwind.start([defect]) as planted:
        assert {name for name, probe in PROBES.items() if probe(http, planted)} == {defect}


# -- the contract and the configuration ------------------------------------------------------------------
def inlined_openapi() -> dict[str, Any]:
    """The OpenAPI document with every relative ``$ref`` inlined under components/schemas."""
    document: dict[str, Any] = json.loads(OPENAPI.read_text(encoding="utf-8"))
    collected: dict[str, Any] = {}

    def rewrite(node: Any, stem: str | None) -> Any:
        if isinstance(node, list):
            return [rewrite(item, stem) for item in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            if key in ("$id", "$schema") and stem is not None:
                continue
            if key == "$ref" and not value.startswith("#/components"):
                file, _, fragment = value.partition("#")
                target = Path(file).stem if file else str(stem)
                if file and target not in collected:
                    collected[target] = {}
                    collected[target] = rewrite(json.loads((CONTRACT / file).read_text(encoding="utf-8")), target)
                value = f"#/components/schemas/{target}{fragment}"
            out[key] = rewrite(value, stem)
        return out

    inlined: dict[str, Any] = rewrite(document, None)
    inlined["components"].setdefault("schemas", {}).update(collected)
    return inlined


def test_openapi_document_valid() -> None:
    validate(inlined_openapi())
    document = json.loads(OPENAPI.read_text(encoding="utf-8"))
    operations = [op for item in document["paths"].values() for m, op in item.items() if m != "parameters"]
    assert all(op.get("operationId") and op.get("x-source") for op in operations)
    marks = {op["operationId"]: op.get("x-apiconform-records") or op.get("x-apiconform-token") for op in operations}
    assert marks["issueToken"] == "issue" and marks["getShipment"] == {"parameter": "shipmentId", "field": "id"}
    assert marks["listShipments"] == {
        "items": "items",
        "id": "id",
        "page": {"size": "limit", "offset": "offset", "total": "total"},
    }
    flow = document["components"]["securitySchemes"]["northwindOAuth"]["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "oauth/token" and set(flow["scopes"]) == set(northwind.SCOPES)


def _properties(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        yield from (node.get("properties") or {}).items()
        for value in node.values():
            yield from _properties(value)
    elif isinstance(node, list):
        for item in node:
            yield from _properties(item)


@pytest.mark.parametrize("path", sorted(p.name for p in CONTRACT.glob("*.json") if p != OPENAPI))
def test_schema_conventions_and_examples(path: str) -> None:
    schema = json.loads((CONTRACT / path).read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_BASE + path
    assert schema["title"] and schema["description"] and schema["x-source"] and schema["examples"]
    Draft202012Validator.check_schema(schema)
    for example in schema["examples"]:
        conforms(path, example)
    assert all("x-source" in prop for _, prop in _properties(schema)), path


def _sources(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from [value] if key == "x-source" else _sources(value)
    elif isinstance(node, list):
        for item in node:
            yield from _sources(item)


def test_every_quote_is_in_the_guide() -> None:
    """x-source quotes the guide verbatim (backticks and line breaks aside); the rest says assumption or RFC."""
    guide = " ".join(GUIDE_FILE.read_text(encoding="utf-8").replace("`", "").split())
    for path in CONTRACT.glob("*.json"):
        for source in _sources(json.loads(path.read_text(encoding="utf-8"))):
            if not source.startswith(GUIDE):
                assert source.startswith(("assumption:", "RFC")), (path.name, source)
                continue
            quoted = re.match(r'^"(.*?)"(?:; (?!")(.*))?$', source.removeprefix(GUIDE + ": "), re.S)
            assert quoted, source
            for quote in quoted.group(1).split('"; "'):
                assert " ".join(quote.split()) in guide, (path.name, quote)


def test_configuration_matches_the_server(nw: Any) -> None:
    config = tomllib.loads((HERE / "apiconform.toml").read_text(encoding="utf-8"))
    assert config["contracts"] == ["contracts"] and (HERE / "contracts" / "northwind").is_dir()
    target = config["targets"]["northwind"]
    assert target["apis"]["parcel-tracking"]["token"]["client_auth"] == "client_secret_post"
    named = set()
    for env, settings in target["environments"].items():
        assert settings["base_urls"]["parcel-tracking"] == f"http://127.0.0.1:8399/{env}/v1"
        assert settings["production"] is (env == "production")
        for role, fields in settings["credentials"].items():
            assert role in northwind.ROLES and fields["purpose"] in ("main", "other_organisation", "small_plan")
            named |= {fields["client_id"], fields["client_secret"]}
        seeded = json.loads((HERE / "seed.json").read_text(encoding="utf-8"))[env]["northwind-customer-a"]
        known = [k for inputs in settings["known_inputs"]["parcel-tracking"].values() for k in inputs]
        named_ids = {k["path_parameters"]["shipmentId"] for k in known if "path_parameters" in k}
        assert named_ids and named_ids <= {s["shipment"]["id"] for s in seeded}  # customer-a's, seeded every start
    assert named == set(northwind.variables(nw.credentials))


def test_seed_conforms() -> None:
    seed = json.loads((HERE / "seed.json").read_text(encoding="utf-8"))
    ids = [row["shipment"]["id"] for env in northwind.ENVIRONMENTS for rows in seed[env].values() for row in rows]
    assert len(ids) == len(set(ids)) == 20
    for env in northwind.ENVIRONMENTS:
        for rows in seed[env].values():
            for row in rows:
                conforms("shipment.json", row["shipment"])
                conforms("tracking-events.json", {"shipment_id": row["shipment"]["id"], "events": row["events"]})
