"""Chorus Line Test API contracts: test types, test IDs, list paging, error codes, the OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from apiconform.contracts import load_api, load_schema, validator_for

TEST_TYPES = [
    "ontStatus",
    "rgwBandwidth",
    "statusOverTime",
    "lineStateDiagnosis",
    "nbltSingleLineTest",
    "nbltElectricalLoopTest",
]
ERROR_CODES = [
    "PT-006",
    "PT-007",
    "PT-023",
    "Auth-001",
    "Auth-002",
    "Auth-003",
    "PT-010",
    "PT-005",
    "PT-004",
    "PT-022",
    "PT-012",
    "PT-014",
    "PT-016",
    "PT-018",
]
SCHEMAS = [
    "chorus/test-request.json",
    "chorus/test-result.json",
    "chorus/test-list.json",
    "chorus/product.json",
    "chorus/test-id.json",
    "chorus/error.json",
]


def is_valid(relative: str, instance: Any) -> bool:
    return validator_for(relative).is_valid(instance)


def a_result(**changes: Any) -> dict[str, Any]:
    return {
        "testId": "CC23DF77",
        "productId": "ONT000123456",
        "testType": "ontStatus",
        "status": "completed",
    } | changes


@pytest.mark.parametrize("relative", SCHEMAS)
def test_every_example_validates_and_schema_is_well_formed(relative: str) -> None:
    validator = validator_for(relative)
    validator.check_schema(validator.schema)
    schema = load_schema(relative)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://schemas.apiconform.dev/{relative}"
    assert schema["examples"]
    for example in schema["examples"]:
        validator.validate(example)


# --- test request -------------------------------------------------------------------------------------


@pytest.mark.parametrize("test_type", TEST_TYPES)
def test_each_documented_test_type_accepted(test_type: str) -> None:
    assert is_valid("chorus/test-request.json", {"productId": "ONT000123456", "test": {"testType": test_type}})
    assert is_valid("chorus/test-result.json", a_result(testType=test_type))


@pytest.mark.parametrize("test_type", ["speedTest", "ontstatus", "", None])
def test_unknown_test_type_rejected(test_type: Any) -> None:
    assert not is_valid("chorus/test-request.json", {"productId": "ONT000123456", "test": {"testType": test_type}})


def test_test_type_enum_is_exactly_the_six_documented() -> None:
    schema = load_schema("chorus/test-request.json")
    assert schema["properties"]["test"]["properties"]["testType"]["enum"] == TEST_TYPES


@pytest.mark.parametrize(
    "body",
    [
        {"test": {"testType": "ontStatus"}},
        {"productId": "ONT000123456"},
        {"productId": "ONT000123456", "test": {}},
        {"productId": "ONT000123456", "test": {"testType": "ontStatus"}, "extra": 1},
        {"productId": "", "test": {"testType": "ontStatus"}},
    ],
)
def test_malformed_test_request_rejected(body: dict[str, Any]) -> None:
    assert not is_valid("chorus/test-request.json", body)


# --- test id ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("test_id", ["CC23DF77", "AB12CD34", "ZZ00ZZ99"])
def test_test_id_pattern_accepts(test_id: str) -> None:
    assert is_valid("chorus/test-id.json", test_id)


@pytest.mark.parametrize("test_id", ["CC23DF7", "cc23df77", "CC23DF777", "C123DF77", "CC23DF7A", "", 12345678])
def test_test_id_pattern_rejects(test_id: Any) -> None:
    assert not is_valid("chorus/test-id.json", test_id)


def test_result_test_id_uses_the_pattern() -> None:
    assert is_valid("chorus/test-result.json", a_result())
    assert not is_valid("chorus/test-result.json", a_result(testId="cc23df77"))


def test_result_status_is_closed_and_created_at_is_a_date_time() -> None:
    assert not is_valid("chorus/test-result.json", a_result(status="done"))
    assert is_valid("chorus/test-result.json", a_result(createdAt="2025-01-01T00:00:00Z"))
    assert not is_valid("chorus/test-result.json", a_result(createdAt="yesterday"))


# --- test list ----------------------------------------------------------------------------------------


def test_list_count_20_accepted_21_rejected() -> None:
    tests = [a_result(testId=f"AB{i:02d}CD00") for i in range(20)]
    assert is_valid("chorus/test-list.json", {"count": 20, "offset": 0, "tests": tests})
    assert not is_valid("chorus/test-list.json", {"count": 21, "offset": 0, "tests": tests})
    too_many = [*tests, a_result(testId="AB20CD00")]
    assert not is_valid("chorus/test-list.json", {"count": 20, "offset": 0, "tests": too_many})


def test_list_negative_offset_rejected() -> None:
    assert not is_valid("chorus/test-list.json", {"count": 0, "offset": -1, "tests": []})


# --- product ------------------------------------------------------------------------------------------


def test_product_requires_product_id() -> None:
    assert is_valid("chorus/product.json", {"productId": "ONT000123456"})
    assert not is_valid("chorus/product.json", {"productType": "fibre"})


# --- errors -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ERROR_CODES)
def test_each_documented_error_code_accepted(code: str) -> None:
    assert is_valid("chorus/error.json", {"code": code, "message": "documented"})


@pytest.mark.parametrize("code", ["PT-999", "pt-006", "Auth-004", "", 6])
def test_unknown_error_code_rejected(code: Any) -> None:
    assert not is_valid("chorus/error.json", {"code": code, "message": "x"})


def test_error_code_enum_is_exactly_the_documented_list() -> None:
    assert load_schema("chorus/error.json")["properties"]["code"]["enum"] == ERROR_CODES


def test_error_without_code_rejected() -> None:
    assert not is_valid("chorus/error.json", {"message": "no code"})


# --- OpenAPI ------------------------------------------------------------------------------------------

EXPECTED_OPERATIONS = {
    ("POST", "/tests", "createTest"): {"201", "400", "401", "403", "404", "429"},
    ("GET", "/tests", "listTests"): {"200", "400", "401", "403", "429"},
    ("GET", "/tests/{testId}", "getTest"): {"200", "400", "401", "403", "404", "429"},
    ("GET", "/products/{productId}", "getProduct"): {"200", "401", "403", "404", "429"},
}
DOCUMENTED_CODES = {
    ("createTest", "400"): ["PT-023"],
    ("createTest", "404"): ["PT-005"],
    ("listTests", "400"): ["PT-007"],
    ("getTest", "400"): ["PT-006"],
    ("getTest", "404"): ["PT-004"],
    ("getProduct", "404"): ["PT-005"],
}


def test_openapi_bundles_and_validates() -> None:
    doc = load_api("chorus-line-test")
    validate(doc.bundled)
    assert doc.vendor == "chorus"
    assert [s["url"] for s in doc.raw["servers"]] == [
        "https://api.sandbox.chorus.co.nz/linetest/v1",
        "https://api.chorus.co.nz/linetest/v1",
    ]


def test_openapi_operations_and_statuses_match_architecture() -> None:
    doc = load_api("chorus-line-test")
    found = {(m, p, o["operationId"]): set(o["responses"]) for m, p, o in doc.operations()}
    assert found == EXPECTED_OPERATIONS


def test_openapi_security_is_both_headers_together() -> None:
    raw = load_api("chorus-line-test").raw
    assert raw["security"] == [{"clientId": [], "clientSecret": []}]
    schemes = raw["components"]["securitySchemes"]
    assert schemes["clientId"]["name"] == "X-Chorus-Client-ID"
    assert schemes["clientSecret"]["name"] == "X-Chorus-Client-Secret"


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def test_openapi_4xx_responses_name_their_error_codes() -> None:
    doc = load_api("chorus-line-test")
    for _method, _path, operation in doc.operations():
        for status, response in operation["responses"].items():
            response = _resolve(doc.bundled, response)
            assert response["x-source"], (operation["operationId"], status)
            for code in DOCUMENTED_CODES.get((operation["operationId"], status), []):
                assert code in response["description"] and code in response["x-source"]
            if status == "403":
                for code in ["Auth-001", "Auth-002", "Auth-003", "PT-010"]:
                    assert code in response["description"]


def test_openapi_response_headers() -> None:
    doc = load_api("chorus-line-test")
    for _method, _path, operation in doc.operations():
        for status, response in operation["responses"].items():
            headers = {k: _resolve(doc.bundled, v) for k, v in _resolve(doc.bundled, response)["headers"].items()}
            if status.startswith("2"):
                for name in [
                    "X-Chorus-API-Version",
                    "X-RateLimit-Limit",
                    "X-RateLimit-Remaining",
                    "X-RateLimit-Reset",
                ]:
                    assert headers[name]["required"] is True, (operation["operationId"], name)
                assert "X-Transaction-ID" in headers
            if status == "401":
                assert headers["WWW-Authenticate"]["schema"]["const"] == "Client-ID-Enforcement"
            if status == "429":
                assert "Retry-After" in headers


def test_openapi_test_id_path_parameter_has_the_pattern() -> None:
    doc = load_api("chorus-line-test")
    operation = doc.bundled["paths"]["/tests/{testId}"]["get"]
    (param,) = [p for p in operation["parameters"] if p.get("in") == "path"]
    assert _resolve(doc.bundled, param["schema"])["pattern"] == "^[A-Z]{2}[0-9]{2}[A-Z]{2}[0-9]{2}$"


def test_openapi_count_query_parameter_is_1_to_20() -> None:
    doc = load_api("chorus-line-test")
    operation = doc.bundled["paths"]["/tests"]["get"]
    (count,) = [p for p in operation["parameters"] if p.get("name") == "count"]
    assert (count["schema"]["minimum"], count["schema"]["maximum"], count["schema"]["default"]) == (1, 20, 20)
