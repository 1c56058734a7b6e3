"""AT&T End-Customer Lookup contracts: the seed's samples validate, counter-examples are rejected."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from openapi_spec_validator import validate

from apiconform.contracts import load_api, load_schema, validator_for

REQUEST = "att/end-customer-lookup-request.json"
RESPONSE = "att/end-customer-lookup-response.json"
RECORD = "att/end-customer.json"
ERROR = "att/error.json"

# att-ordering-api (schemas/sources.json), "Sample Request" and "Associated Response", verbatim.
SEED_REQUEST: dict[str, Any] = {
    "accountName": "Texas",
    "address": {"street": "Pecan", "city": "Houston", "state": "Texas", "country": "USA", "zipCode": "70800"},
}
SEED_RESPONSE: list[dict[str, Any]] = [
    {
        "accountAddress": {
            "city": "TEST",
            "country": "US",
            "state": "TX",
            "street": "1234 W TEST PKWY",
            "zipCode": "123456789",
        },
        "accountName": "Test Acct",
        "accountId": "0123456789",
        "acid": "12345",
        "salesSegment": None,
        "subAccountId": "TEST1",
        "contractStatus": "Active (Remote)",
        "parentPartnerAccId": "123456",
        "partnerId": "12AB34",
        "loaStatus": "Y",
        "allianceStatus": "OPPORTUNITY",
        "accountStatus": None,
        "exception": "NA",
    },
    {
        "accountAddress": {
            "city": "TEST",
            "country": "US",
            "state": "MN",
            "street": "123 TEST AVE STE 100",
            "zipCode": "12345",
        },
        "accountName": "Test Acct 2",
        "accountId": "1234567890abcdef",
        "acid": "123123",
        "salesSegment": None,
        "subAccountId": "A1B2C",
        "contractStatus": "Active (Remote)",
        "parentPartnerAccId": "123ABC",
        "partnerId": "56CD78",
        "loaStatus": "Y",
        "allianceStatus": "OPPORTUNITY",
        "accountStatus": "Active",
        "exception": "NA",
    },
    {
        "accountAddress": {
            "city": "TEST",
            "country": "USA",
            "state": "TX",
            "street": "1234 W TEST PKWY",
            "zipCode": "123456789",
        },
        "accountName": "Test Acct 3",
        "accountId": "1234abb000000cd",
        "acid": "123A123",
        "salesSegment": "indirect sales test",
        "subAccountId": "Z9Y8X",
        "contractStatus": "Active (Remote)",
        "parentPartnerAccId": "987654",
        "partnerId": "98ZY76",
        "loaStatus": "N",
        "allianceStatus": "ATT ONLY",
        "accountStatus": "Active",
        "exception": "N",
    },
]


def is_valid(relative: str, instance: Any) -> bool:
    return validator_for(relative).is_valid(instance)


def a_record(**changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(SEED_RESPONSE[0])
    record.update(changes)
    return record


def a_request(**address_changes: Any) -> dict[str, Any]:
    request = copy.deepcopy(SEED_REQUEST)
    request["address"].update(address_changes)
    return request


# --- the documented samples ---------------------------------------------------------------------------


def test_seed_sample_request_validates_unchanged() -> None:
    validator_for(REQUEST).validate(SEED_REQUEST)


def test_seed_sample_response_validates_unchanged() -> None:
    validator_for(RESPONSE).validate(SEED_RESPONSE)


def test_schema_examples_are_the_seed_samples_verbatim() -> None:
    assert load_schema(REQUEST)["examples"] == [SEED_REQUEST]
    assert load_schema(RESPONSE)["examples"] == [SEED_RESPONSE]
    assert load_schema(RECORD)["examples"] == SEED_RESPONSE


@pytest.mark.parametrize("relative", [REQUEST, RESPONSE, RECORD, ERROR, "att/address.json"])
def test_every_example_validates_and_schema_is_well_formed(relative: str) -> None:
    validator = validator_for(relative)
    validator.check_schema(validator.schema)
    schema = load_schema(relative)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://schemas.apiconform.dev/{relative}"
    assert schema["examples"]
    for example in schema["examples"]:
        validator.validate(example)


def test_not_found_body_validates() -> None:
    assert is_valid(ERROR, {"message": "No customer found"})
    assert not is_valid(ERROR, {})
    assert not is_valid(ERROR, {"message": 404})


# --- request ------------------------------------------------------------------------------------------


def test_account_name_of_two_characters_rejected() -> None:
    request = copy.deepcopy(SEED_REQUEST)
    request["accountName"] = "Te"
    assert not is_valid(REQUEST, request)
    request["accountName"] = "Tex"
    assert is_valid(REQUEST, request)


def test_account_name_as_number_rejected() -> None:
    request = copy.deepcopy(SEED_REQUEST)
    request["accountName"] = 12345
    assert not is_valid(REQUEST, request)


def test_spid_is_optional_but_typed() -> None:
    assert "spId" not in load_schema(REQUEST)["required"]
    assert is_valid(REQUEST, {**SEED_REQUEST, "spId": "SP123"})
    assert not is_valid(REQUEST, {**SEED_REQUEST, "spId": 123})


def test_spid_conflict_is_recorded() -> None:
    assert "conflict" in load_schema(REQUEST)["properties"]["spId"]["x-source"]


def test_unknown_top_level_request_field_rejected() -> None:
    assert not is_valid(REQUEST, {**SEED_REQUEST, "endCustomerName": "Texas"})


@pytest.mark.parametrize("missing", ["accountName", "address"])
def test_request_without_required_key_rejected(missing: str) -> None:
    request = copy.deepcopy(SEED_REQUEST)
    del request[missing]
    assert not is_valid(REQUEST, request)


def test_blank_street_accepted_missing_street_rejected() -> None:
    assert is_valid(REQUEST, a_request(street=""))
    request = a_request()
    del request["address"]["street"]
    assert not is_valid(REQUEST, request)


@pytest.mark.parametrize("country", ["US", "USA"])
def test_request_country_us_and_usa_accepted(country: str) -> None:
    assert is_valid(REQUEST, a_request(country=country))


@pytest.mark.parametrize("zip_code", ["70800", "123456789"])
def test_request_5_and_9_digit_zip_accepted(zip_code: str) -> None:
    assert is_valid(REQUEST, a_request(zipCode=zip_code))


@pytest.mark.parametrize("zip_code", ["7080", "708001", "12345-6789", "ABCDE", 70800])
def test_request_malformed_zip_rejected(zip_code: Any) -> None:
    assert not is_valid(REQUEST, a_request(zipCode=zip_code))


def test_request_unknown_address_field_rejected() -> None:
    assert not is_valid(REQUEST, a_request(county="Harris"))


# --- response -----------------------------------------------------------------------------------------


def test_six_lookup_records_rejected() -> None:
    five = [a_record(accountId=str(i)) for i in range(5)]
    assert is_valid(RESPONSE, five)
    assert not is_valid(RESPONSE, [*five, a_record(accountId="5")])


def test_empty_lookup_array_rejected() -> None:
    assert not is_valid(RESPONSE, [])


def test_lookup_response_must_be_an_array() -> None:
    assert not is_valid(RESPONSE, SEED_RESPONSE[0])


def test_loa_status_x_rejected() -> None:
    assert is_valid(RECORD, a_record(loaStatus="N"))
    assert not is_valid(RECORD, a_record(loaStatus="X"))
    assert not is_valid(RESPONSE, [a_record(loaStatus="X")])


def test_unknown_top_level_record_field_rejected() -> None:
    assert not is_valid(RECORD, a_record(endCustomerName="Test Acct"))
    assert not is_valid(RESPONSE, [a_record(segment="indirect")])


def test_unknown_account_address_field_rejected() -> None:
    record = a_record()
    record["accountAddress"]["county"] = "Harris"
    assert not is_valid(RECORD, record)


def test_account_name_as_number_rejected_in_record() -> None:
    assert not is_valid(RECORD, a_record(accountName=42))


@pytest.mark.parametrize(
    "required",
    [
        "accountName",
        "accountId",
        "acid",
        "salesSegment",
        "loaStatus",
        "allianceStatus",
        "accountStatus",
        "exception",
        "accountAddress",
    ],
)
def test_record_without_required_key_rejected(required: str) -> None:
    record = a_record()
    del record[required]
    assert not is_valid(RECORD, record)


@pytest.mark.parametrize("optional", ["subAccountId", "contractStatus", "parentPartnerAccId", "partnerId"])
def test_record_without_optional_key_accepted(optional: str) -> None:
    record = a_record()
    del record[optional]
    assert is_valid(RECORD, record)


@pytest.mark.parametrize("field", ["salesSegment", "acid", "accountStatus"])
def test_documented_nulls_accepted(field: str) -> None:
    assert is_valid(RECORD, a_record(**{field: None}))


@pytest.mark.parametrize("field", ["accountName", "accountId", "loaStatus", "allianceStatus", "exception"])
def test_null_where_never_documented_rejected(field: str) -> None:
    assert not is_valid(RECORD, a_record(**{field: None}))


@pytest.mark.parametrize("country", ["US", "USA"])
def test_record_country_us_and_usa_accepted(country: str) -> None:
    record = a_record()
    record["accountAddress"]["country"] = country
    assert is_valid(RECORD, record)


@pytest.mark.parametrize(
    ("zip_code", "ok"), [("12345", True), ("123456789", True), ("1234", False), ("1234567", False)]
)
def test_record_zip_5_or_9_digits(zip_code: str, ok: bool) -> None:
    record = a_record()
    record["accountAddress"]["zipCode"] = zip_code
    assert is_valid(RECORD, record) is ok


@pytest.mark.parametrize("value", ["Inactive", "SOMETHING NEW"])
def test_open_string_fields_have_no_enum(value: str) -> None:
    assert is_valid(RECORD, a_record(accountStatus=value, allianceStatus=value, exception=value))


# --- OpenAPI ------------------------------------------------------------------------------------------


def test_openapi_bundles_and_validates() -> None:
    doc = load_api("att-end-customer-lookup")
    validate(doc.bundled)
    assert doc.vendor == "att"
    assert doc.bundled["openapi"] == "3.1.0"


def test_openapi_operation_matches_architecture() -> None:
    doc = load_api("att-end-customer-lookup")
    operations = list(doc.operations())
    assert [(m, p, o["operationId"]) for m, p, o in operations] == [
        ("POST", "/api/v1/customerAccountLookup", "lookupEndCustomer")
    ]
    operation = operations[0][2]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "429"}
    headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
    assert headers["x-trace-id"]["required"] is True
    assert headers["x-transaction-id"]["required"] is False
    assert headers["source"]["required"] is False
    assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]
    assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_openapi_security_is_both_headers_together() -> None:
    raw = load_api("att-end-customer-lookup").raw
    assert raw["security"] == [{"clientId": [], "clientSecret": []}]
    schemes = raw["components"]["securitySchemes"]
    assert (schemes["clientId"]["in"], schemes["clientId"]["name"]) == ("header", "client_id")
    assert (schemes["clientSecret"]["in"], schemes["clientSecret"]["name"]) == ("header", "client_secret")


def test_openapi_every_operation_and_response_has_source() -> None:
    doc = load_api("att-end-customer-lookup")
    assert doc.raw["info"]["x-source"]
    for _method, _path, operation in doc.operations():
        assert operation["x-source"]
        for status, response in operation["responses"].items():
            assert response.get("x-source"), status
