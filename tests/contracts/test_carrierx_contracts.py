"""CarrierX contracts: endpoint attributes, list envelope, OAuth token and scopes, the OpenAPI documents."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from apiconform.contracts import SCHEMA_BASE_URI, load_api, load_schema, schema_registry, validator_for

APIS = ["carrierx-core", "carrierx-conference", "carrierx-flexml", "carrierx-mediator"]
ENDPOINT_TYPES = ["conference", "conference_playback", "conference_v2", "flexml", "mediator", "third_party"]
READ_ONLY = {
    "endpoint_sid": "4b6e2c9a-7f1d-4e3a-9c8b-2d1f0e6a5b47",
    "cps_limit": 5,
    "voip_token": "tok_123",
}
CORE_OPERATIONS = {
    "createToken": ("POST", "/oauth/token", "200"),
    "revokeToken": ("DELETE", "/oauth/tokens/{token_sid}", "204"),
    "listEndpoints": ("GET", "/endpoints", "200"),
    "createEndpoint": ("POST", "/endpoints", "200"),
    "getEndpoint": ("GET", "/endpoints/{endpoint_sid}", "200"),
    "updateEndpoint": ("PATCH", "/endpoints/{endpoint_sid}", "200"),
    "deleteEndpoint": ("DELETE", "/endpoints/{endpoint_sid}", "204"),
}
READ_SCOPES = [{"carrierxToken": ["endpoints.read"]}, {"carrierxToken": ["endpoints.manage"]}]
MANAGE_SCOPES = [{"carrierxToken": ["endpoints.manage"]}]
EXPECTED_SECURITY = {
    "revokeToken": [{"carrierxToken": ["oauth.manage"]}],
    "listEndpoints": READ_SCOPES,
    "getEndpoint": READ_SCOPES,
    "createEndpoint": MANAGE_SCOPES,
    "updateEndpoint": MANAGE_SCOPES,
    "deleteEndpoint": MANAGE_SCOPES,
}
ENDPOINT_APIS = {
    "carrierx-conference": ("listMeetings", "/meetings", "https://api.carrierx.com/conference/v1"),
    "carrierx-flexml": ("listCalls", "/calls", "https://api.carrierx.com/flexml/v1"),
    "carrierx-mediator": ("listBindings", "/bindings", "https://api.carrierx.com/mediator/v1"),
}


def _example(rel: str, index: int = 0) -> Any:
    return copy.deepcopy(load_schema(rel)["examples"][index])


def _validator_for_ref(ref: str) -> Draft202012Validator:
    wrapper = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": SCHEMA_BASE_URI + ref}
    return Draft202012Validator(wrapper, registry=schema_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def _operations(name: str) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {op["operationId"]: (method, path, op) for method, path, op in load_api(name).operations()}


def _deref(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow local ``$ref``s of a bundled document (headers, schemas)."""
    while "$ref" in node and node["$ref"].startswith("#/"):
        target: Any = doc
        for token in node["$ref"][2:].split("/"):
            target = target[token]
        node = target
    return node


def _bundled_schema_validator(name: str, schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for a Schema Object of a bundled OpenAPI document (refs resolve in the document)."""
    bundled = load_api(name).bundled
    root = {**bundled, **schema}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


# endpoint create / update / read -----------------------------------------------------------------------


@pytest.mark.parametrize("field", sorted(READ_ONLY))
def test_create_body_rejects_read_only_attribute(field: str) -> None:
    body = {"name": "my_conference", "type": "conference", field: READ_ONLY[field]}
    assert not validator_for("carrierx/endpoint-create.json").is_valid(body)


@pytest.mark.parametrize("field", sorted(READ_ONLY))
def test_update_body_rejects_read_only_attribute(field: str) -> None:
    assert not validator_for("carrierx/endpoint-update.json").is_valid({field: READ_ONLY[field]})


@pytest.mark.parametrize("endpoint_type", ENDPOINT_TYPES)
def test_create_body_with_name_and_type_is_accepted(endpoint_type: str) -> None:
    validator = validator_for("carrierx/endpoint-create.json")
    assert validator.is_valid({"name": "my_endpoint", "type": endpoint_type})


def test_create_body_may_be_empty() -> None:
    # carrierx-rest-api: "A POST with no fields still sends {}"
    assert validator_for("carrierx/endpoint-create.json").is_valid({})


def test_update_body_accepts_name_but_not_type() -> None:
    validator = validator_for("carrierx/endpoint-update.json")
    assert validator.is_valid({"name": "renamed"})
    assert not validator.is_valid({"type": "flexml"})  # assumption: type is create-only


def test_endpoint_type_outside_the_enum_is_rejected() -> None:
    endpoint = _example("carrierx/endpoint.json", 1)
    assert validator_for("carrierx/endpoint.json").is_valid(endpoint)
    endpoint["type"] = "pbx"
    assert not validator_for("carrierx/endpoint.json").is_valid(endpoint)
    assert not validator_for("carrierx/endpoint-create.json").is_valid({"type": "pbx"})


def test_endpoint_requires_uuid_sid_and_hosted_credentials() -> None:
    validator = validator_for("carrierx/endpoint.json")
    endpoint = _example("carrierx/endpoint.json")
    assert validator.is_valid(endpoint)
    assert not validator.is_valid({**endpoint, "endpoint_sid": "not-a-uuid"})
    without_login = {
        **endpoint,
        "properties": {k: v for k, v in endpoint["properties"].items() if k != "login"},
    }
    assert not validator.is_valid(without_login)  # carrierx-rest-api: each endpoint has a login/password


# list envelope ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("limit", "valid"), [(1000, True), (1001, False), (0, True), (-1, False)])
def test_list_limit_bounds(limit: int, valid: bool) -> None:
    page = _example("carrierx/endpoint-list.json")
    page["limit"] = limit
    assert validator_for("carrierx/endpoint-list.json").is_valid(page) is valid
    assert validator_for("carrierx/list-envelope.json").is_valid(page) is valid


def test_list_accepts_empty_pagination_and_null_total() -> None:
    page = _example("carrierx/endpoint-list.json")
    page["pagination"] = {}
    page["total"] = None
    assert validator_for("carrierx/endpoint-list.json").is_valid(page)


def test_endpoint_list_items_must_be_endpoints() -> None:
    page = _example("carrierx/endpoint-list.json")
    page["items"][0]["type"] = "pbx"
    assert not validator_for("carrierx/endpoint-list.json").is_valid(page)


# OAuth token -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("token_type", "valid"), [("bearer", True), ("Bearer", False), ("BEARER", False)])
def test_token_type_is_lower_case_bearer(token_type: str, valid: bool) -> None:
    token = _example("carrierx/oauth-token.json")
    token["token_type"] = token_type
    assert validator_for("carrierx/oauth-token.json").is_valid(token) is valid


@pytest.mark.parametrize(
    ("scope", "valid"),
    [("endpoints.read", True), ("oauth.manage", True), ("endpoints", False), ("Endpoints.Read", False)],
)
def test_scope_is_area_dot_action(scope: str, valid: bool) -> None:
    assert validator_for("carrierx/scope.json").is_valid(scope) is valid
    token = _example("carrierx/oauth-token.json")
    token["scopes"] = [scope]
    assert validator_for("carrierx/oauth-token.json").is_valid(token) is valid


def test_token_nulls_only_where_allowed() -> None:
    validator = validator_for("carrierx/oauth-token.json")
    token = _example("carrierx/oauth-token.json")
    for field in ("date_last_accessed", "ip_last_accessed", "date_expiration_access_token"):
        assert validator.is_valid({**token, field: None}), field
    for field in ("access_token", "refresh_token", "token_sid", "partner_sid", "name", "token_type"):
        assert not validator.is_valid({**token, field: None}), field


def test_token_request_is_a_password_grant() -> None:
    validator = validator_for("carrierx/token-request.json")
    body = _example("carrierx/token-request.json")
    assert validator.is_valid(body)
    assert not validator.is_valid({**body, "grant_type": "client_credentials"})
    assert not validator.is_valid({**body, "scope": "endpoints"})
    assert not validator.is_valid({k: v for k, v in body.items() if k != "password"})


# errors ----------------------------------------------------------------------------------------------------


def test_error_body_is_soft_but_needs_a_message() -> None:
    validator = validator_for("carrierx/error.json")
    assert validator.is_valid({"message": "bad filter"})
    assert validator.is_valid({"message": "x", "errors": [{"message": "y"}], "extra": 1})
    assert not validator.is_valid({"errors": []})


def test_unauthorized_error_names_unauthorized() -> None:
    validator = _validator_for_ref("carrierx/error.json#/$defs/unauthorized")
    assert validator.is_valid({"message": "unauthorized"})
    assert not validator.is_valid({"message": "forbidden"})


# OpenAPI documents ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", APIS)
def test_openapi_document_bundles_and_validates(name: str) -> None:
    doc = load_api(name)
    assert doc.vendor == "carrierx"
    assert doc.bundled["openapi"] == "3.1.0"
    validate(doc.bundled)
    assert all(not ref.startswith(("http", ".")) for ref in re.findall(r'"\$ref": "([^"]+)"', str(doc.bundled)))


def test_core_operations_paths_and_success_statuses() -> None:
    operations = _operations("carrierx-core")
    assert set(operations) == set(CORE_OPERATIONS)
    for op_id, (method, path, status) in CORE_OPERATIONS.items():
        got_method, got_path, operation = operations[op_id]
        assert (got_method, got_path) == (method, path), op_id
        assert status in operation["responses"], op_id
        assert operation.get("x-source"), op_id


def test_create_endpoint_answers_200_not_201() -> None:
    _, _, operation = _operations("carrierx-core")["createEndpoint"]
    assert "200" in operation["responses"]
    assert "201" not in operation["responses"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("carrierx__endpoint")


def test_create_token_has_no_security_and_no_store() -> None:
    doc = load_api("carrierx-core").bundled
    _, _, operation = _operations("carrierx-core")["createToken"]
    assert operation["security"] == []
    assert "application/x-www-form-urlencoded" in operation["requestBody"]["content"]
    header = _deref(doc, operation["responses"]["200"]["headers"]["Cache-Control"])
    assert header["required"] is True
    validator = Draft202012Validator(header["schema"])
    assert validator.is_valid("no-store")
    assert validator.is_valid("no-cache, no-store")
    assert not validator.is_valid("no-cache")
    assert not validator.is_valid("max-age=60")


@pytest.mark.parametrize("op_id", sorted(EXPECTED_SECURITY))
def test_core_operation_requires_carrierx_token_with_scopes(op_id: str) -> None:
    doc = load_api("carrierx-core").bundled
    scheme = doc["components"]["securitySchemes"]["carrierxToken"]
    assert scheme["type"] == "oauth2"
    assert set(scheme["flows"]["password"]["scopes"]) == {
        "endpoints.read",
        "endpoints.manage",
        "oauth.manage",
    }
    _, _, operation = _operations("carrierx-core")[op_id]
    assert operation["security"] == EXPECTED_SECURITY[op_id]


@pytest.mark.parametrize("op_id", sorted(EXPECTED_SECURITY))
def test_core_auth_failures_are_oauth_errors_with_bearer_challenge(op_id: str) -> None:
    doc = load_api("carrierx-core").bundled
    _, _, operation = _operations("carrierx-core")[op_id]
    for status in ("401", "403"):
        response = operation["responses"][status]
        assert response["content"]["application/json"]["schema"]["$ref"].endswith("common__oauth-error")
        header = _deref(doc, response["headers"]["WWW-Authenticate"])
        assert header["required"] is True
        validator = Draft202012Validator(header["schema"])
        assert validator.is_valid('Bearer realm="carrierx", error="invalid_token"')
        assert not validator.is_valid('Basic realm="carrierx"')


def test_core_list_query_parameters() -> None:
    _, _, operation = _operations("carrierx-core")["listEndpoints"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert set(params) == {"limit", "offset", "filter", "order"}
    limit = params["limit"]["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (0, 1000, 10)
    assert params["offset"]["schema"]["minimum"] == 0
    filter_ = Draft202012Validator(params["filter"]["schema"])
    assert filter_.is_valid("name eq my_conference and type eq conference")
    assert not filter_.is_valid("name eq a or type eq b")  # only `and` joins conditions


def test_core_servers_are_production_only() -> None:
    servers = load_api("carrierx-core").bundled["servers"]
    assert [s["url"] for s in servers] == ["https://api.carrierx.com/core/v2"]
    assert "only documented host" in servers[0]["description"]


@pytest.mark.parametrize("name", sorted(ENDPOINT_APIS))
def test_endpoint_api_uses_basic_and_answers_unauthorized(name: str) -> None:
    op_id, path, server = ENDPOINT_APIS[name]
    doc = load_api(name).bundled
    assert [s["url"] for s in doc["servers"]] == [server]
    scheme = doc["components"]["securitySchemes"]["endpointBasic"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "basic")
    operations = _operations(name)
    assert set(operations) == {op_id}
    method, got_path, operation = operations[op_id]
    assert (method, got_path) == ("GET", path)
    assert operation["security"] == [{"endpointBasic": []}]
    unauthorized = operation["responses"]["401"]
    header = _deref(doc, unauthorized["headers"]["WWW-Authenticate"])
    challenge = Draft202012Validator(header["schema"])
    assert challenge.is_valid('Basic realm="carrierx"')
    assert not challenge.is_valid("Basic")  # RFC 7617: realm is required
    body = _bundled_schema_validator(name, unauthorized["content"]["application/json"]["schema"])
    assert body.is_valid({"message": "unauthorized"})
    assert not body.is_valid({"message": "ok"})
    page = _bundled_schema_validator(name, operation["responses"]["200"]["content"]["application/json"]["schema"])
    empty = {"count": 0, "has_more": False, "items": [], "limit": 10, "offset": 0, "pagination": {}}
    assert page.is_valid({**empty, "total": None})
    assert not page.is_valid({**empty, "count": 1, "items": [{}], "total": 1})  # items need their sid
