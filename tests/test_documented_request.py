"""The contract's own request: documented values for every required part, generation only where none is usable."""

from __future__ import annotations

from typing import Any

from apiconform.checks.documented_request import covers, documented_parts

SKIP = frozenset({"authorization", "x-api-key"})
DOCUMENT: dict[str, Any] = {
    "components": {
        "schemas": {"Sid": {"type": "string", "pattern": "^[a-f0-9]{8}$"}},
        "parameters": {"Trace": {"name": "x-trace", "in": "header", "required": True, "example": "t-1"}},
    }
}


def _operation(parameters: list[Any], body: Any = None) -> dict[str, Any]:
    operation: dict[str, Any] = {"parameters": parameters, "responses": {}}
    if body is not None:
        operation["requestBody"] = body
    return operation


def test_required_parameters_and_body_come_from_the_documented_examples() -> None:
    operation = _operation(
        [
            {"$ref": "#/components/parameters/Trace"},
            {"name": "sid", "in": "path", "schema": {"$ref": "#/components/schemas/Sid", "examples": ["0a1b2c3d"]}},
            {"name": "count", "in": "query", "required": True, "schema": {"type": "integer", "default": 10}},
            {"name": "kind", "in": "query", "required": True, "schema": {"enum": ["a", "b"]}},
            {"name": "page", "in": "query", "schema": {"type": "integer", "example": 2}},  # optional: left out
            {"name": "Authorization", "in": "header", "required": True},  # the credential is ours to send
        ],
        {
            "required": True,
            "content": {"application/json": {"examples": {"one": {"value": {"name": "x"}}}, "schema": {}}},
        },
    )
    request, missing = documented_parts(DOCUMENT, operation, SKIP)
    assert missing == []
    assert request == {
        "path_parameters": {"sid": "0a1b2c3d"},
        "query": {"count": 10, "kind": "a"},
        "headers": {"x-trace": "t-1"},
        "body": {"name": "x"},
    }


def test_a_form_body_is_sent_as_a_form() -> None:
    body = {"content": {"application/x-www-form-urlencoded": {"example": {"grant_type": "password"}}}}
    request, missing = documented_parts(DOCUMENT, _operation([], body), SKIP)
    assert (request["form"], missing) == ({"grant_type": "password"}, [])


def test_an_example_its_own_schema_rejects_is_not_used() -> None:
    """A wrong example would make a request the API refuses: the part counts as undocumented (generated)."""
    parameter = {"name": "sid", "in": "path", "example": "NOT-HEX", "schema": {"$ref": "#/components/schemas/Sid"}}
    request, missing = documented_parts(DOCUMENT, _operation([parameter]), SKIP)
    assert (request["path_parameters"], missing) == ({}, [("path_parameters", "sid")])


def test_undocumented_required_parts_are_named_and_an_optional_body_is_not() -> None:
    operation = _operation(
        [{"name": "x-trace-id", "in": "header", "required": True, "schema": {"type": "string", "minLength": 1}}],
        {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
    )
    assert documented_parts(DOCUMENT, operation, SKIP)[1] == [("headers", "x-trace-id"), ("body", None)]
    optional_body = _operation([], {"content": {"application/json": {"schema": {"type": "object"}}}})
    assert documented_parts(DOCUMENT, optional_body, SKIP) == ({"path_parameters": {}, "query": {}, "headers": {}}, [])


def test_a_known_input_covers_the_parts_it_supplies() -> None:
    known = {"path_parameters": {"sid": "0a1b2c3d"}, "form": {"a": "b"}}
    assert covers(known, ("path_parameters", "sid"))
    assert covers(known, ("body", None))
    assert not covers(known, ("headers", "x-trace-id"))
    assert not covers({"headers": "not a mapping"}, ("headers", "x-trace-id"))


class _Known:
    """Just the part of a TargetSession the samples read: the target's known inputs."""

    def __init__(self, inputs: list[dict[str, Any]]) -> None:
        self.inputs = inputs

    def known_inputs(self, env: str, api: str, operation_id: str) -> list[dict[str, Any]]:
        return self.inputs


def _shipped_operation(api: str, operation_id: str) -> Any:
    from apiconform.contracts import load_api
    from apiconform.targets.session import Operation, _resolved

    document = load_api(api)
    for method, path, raw in document.operations():
        if raw["operationId"] == operation_id:
            return Operation(api, operation_id, method, path, _resolved(document.bundled, raw, path))
    raise LookupError(operation_id)


def test_nothing_is_generated_when_contract_and_known_input_cover_every_required_part(monkeypatch: Any) -> None:
    from apiconform.checks import samples

    def no_generation(op: Any) -> Any:
        raise AssertionError(f"generated a request for {op.operation_id}")

    monkeypatch.setattr(samples, "generated_request", no_generation)
    get_endpoint = _shipped_operation("carrierx-core", "getEndpoint")  # its path sid has no documented value
    known = _Known([{"path_parameters": {"endpoint_sid": "e-1"}}])
    assert samples.sample_request(known, "sandbox", get_endpoint)["path_parameters"] == {"endpoint_sid": "e-1"}  # type: ignore[arg-type]
    create_test = _shipped_operation("chorus-line-test", "createTest")
    assert samples.sample_request(_Known([]), "sandbox", create_test)["body"]["test"] == {"testType": "ontStatus"}  # type: ignore[arg-type]


def test_a_part_nobody_documents_is_generated(monkeypatch: Any) -> None:
    from apiconform.checks import samples

    lookup = _shipped_operation("att-end-customer-lookup", "lookupEndCustomer")  # x-trace-id: no example anywhere
    request = samples.sample_request(_Known([{"body": {"accountName": "Texas"}}]), "sandbox", lookup)  # type: ignore[arg-type]
    assert request["headers"]["x-trace-id"]
    assert request["body"] == {"accountName": "Texas"}
