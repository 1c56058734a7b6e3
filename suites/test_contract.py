"""Contract conformance: schemathesis over every documented operation, with valid credentials.

Positive data must be accepted and answered as documented (status, content type, headers, body
schema); negative data must be rejected with a 4xx, never a 5xx.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from schemathesis import GenerationMode

from apiconform.checks.contract import conforms, echoed_headers, headers_echoed
from apiconform.checks.contract_rules import (
    boundary_violations_rejected,
    has_documented_constraints,
    is_paginated,
    pagination_consistent,
    read_only_attributes_refused,
    read_only_properties,
    validation_statuses,
)
from apiconform.parametrize import OperationEnv, operation_params, parametrize_cases
from apiconform.plugin import get_session
from apiconform.targets.session import Operation, TargetSession

pytestmark = pytest.mark.concern("contract")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        session = get_session(metafunc.config)
        name = metafunc.function.__name__
        applies = APPLIES_TO.get(name, lambda _s, _o: True)
        params = operation_params(
            session, lambda op: applies(session, op), with_excluded=name == "test_positive_data_conforms"
        )
        parametrize_cases(metafunc, params)


def _has_inputs(operation: Operation) -> bool:
    """Operations with parameters or a body: only they can be sent invalid data."""
    params = [p for p in operation.raw.get("parameters", []) if p.get("in") != "header"]
    return bool(params or operation.raw.get("requestBody"))


APPLIES_TO: dict[str, Callable[[TargetSession, Operation], bool]] = {
    "test_negative_data_rejected": lambda _, op: _has_inputs(op),
    "test_correlation_header_echoed": lambda _, op: bool(echoed_headers(op)),
    "test_boundary_violations_rejected": has_documented_constraints,
    "test_read_only_attributes_refused": lambda session, op: (
        op.method in {"POST", "PUT", "PATCH"}
        and bool(validation_statuses(op))
        and bool(read_only_properties(session, op))
    ),
    "test_pagination_consistent": lambda _, op: is_paginated(op),
}


@pytest.mark.generated("positive")
@pytest.mark.rule(
    "valid requests are accepted and every response matches its documented status, content type, headers and schema",
    "the operation's OpenAPI document (schemas/<vendor>/<api>.openapi.json), x-source per rule",
)
def test_positive_data_conforms(case: OperationEnv, target_session: TargetSession) -> None:
    operation, env = case
    sent = conforms(target_session, env, operation, GenerationMode.POSITIVE)
    assert sent > 0, "no request was generated"


@pytest.mark.generated("negative")
@pytest.mark.rule(
    "invalid requests are rejected with a documented 4xx, never a 5xx",
    "RFC 9110 15.5 (4xx client errors); the operation's documented error statuses",
)
def test_negative_data_rejected(case: OperationEnv, target_session: TargetSession) -> None:
    operation, env = case
    sent = conforms(target_session, env, operation, GenerationMode.NEGATIVE)
    assert sent > 0, "no request was generated"


@pytest.mark.requests(1)
@pytest.mark.rule(
    "correlation headers sent with a request are echoed in the response",
    "the success response's declaration of the echoed header (its x-source)",
)
def test_correlation_header_echoed(case: OperationEnv, target_session: TargetSession) -> None:
    operation, env = case
    for header in echoed_headers(operation):
        headers_echoed(target_session, env, operation, header)


@pytest.mark.requests(2)
@pytest.mark.rule(
    "a request breaking one documented constraint is rejected with the documented validation status",
    "each request schema's x-source (constraints marked as assumptions are never demanded)",
)
def test_boundary_violations_rejected(case: OperationEnv, target_session: TargetSession) -> None:
    operation, env = case
    checked = boundary_violations_rejected(target_session, env, operation)
    assert checked > 0, "no constraint to break"


@pytest.mark.requests(3)
@pytest.mark.rule(
    "read-only attributes cannot be written",
    'Using the REST API: "read only | The attribute is set by the system and the user can neither set nor modify it."',
)
def test_read_only_attributes_refused(case: OperationEnv, target_session: TargetSession) -> None:
    operation, env = case
    assert read_only_attributes_refused(target_session, env, operation) > 0


@pytest.mark.requests(3)
@pytest.mark.rule(
    "pages do not overlap and has_more tells whether more items remain",
    "the listing's x-source and its x-apiconform-records.page (parameter and field names)",
)
def test_pagination_consistent(case: OperationEnv, target_session: TargetSession) -> None:
    operation, env = case
    if not pagination_consistent(target_session, env, operation):
        pytest.skip(f"{operation.label} in {env} holds too few items for two pages: add items or known inputs")
