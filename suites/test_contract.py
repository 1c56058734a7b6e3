"""Contract conformance: schemathesis over every documented operation, with valid credentials.

Positive data must be accepted and answered as documented (status, content type, headers, body
schema); negative data must be rejected with a 4xx, never a 5xx.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from schemathesis import GenerationMode

from apiconform.checks.contract import conforms, echoed_headers, headers_echoed
from apiconform.parametrize import operation_params
from apiconform.plugin import get_session
from apiconform.targets.session import Operation, TargetSession

pytestmark = pytest.mark.concern("contract")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "operation" in metafunc.fixturenames:
        keep = APPLIES_TO.get(metafunc.function.__name__, lambda _: True)
        metafunc.parametrize(("operation", "env"), operation_params(get_session(metafunc.config), keep))


def _has_inputs(operation: Operation) -> bool:
    """Operations with parameters or a body: only they can be sent invalid data."""
    params = [p for p in operation.raw.get("parameters", []) if p.get("in") != "header"]
    return bool(params or operation.raw.get("requestBody"))


APPLIES_TO: dict[str, Callable[[Operation], bool]] = {
    "test_negative_data_rejected": _has_inputs,
    "test_correlation_header_echoed": lambda op: bool(echoed_headers(op)),
}


@pytest.mark.rule(
    "valid requests are accepted and every response matches its documented status, content type, headers and schema",
    "the operation's OpenAPI document (schemas/<vendor>/<api>.openapi.json), x-source per rule",
)
def test_positive_data_conforms(operation: Operation, env: str, target_session: TargetSession) -> None:
    sent = conforms(target_session, env, operation, GenerationMode.POSITIVE)  # type: ignore[arg-type]
    assert sent > 0, "no request was generated"


@pytest.mark.rule(
    "invalid requests are rejected with a documented 4xx, never a 5xx",
    "RFC 9110 15.5 (4xx client errors); the operation's documented error statuses",
)
def test_negative_data_rejected(operation: Operation, env: str, target_session: TargetSession) -> None:
    sent = conforms(target_session, env, operation, GenerationMode.NEGATIVE)  # type: ignore[arg-type]
    assert sent > 0, "no request was generated"


@pytest.mark.rule(
    "correlation headers sent with a request are echoed in the response",
    'vendor-facts.md (Chorus): "Responses echo X-Transaction-ID"',
)
def test_correlation_header_echoed(operation: Operation, env: str, target_session: TargetSession) -> None:
    for header in echoed_headers(operation):
        headers_echoed(target_session, env, operation, header)  # type: ignore[arg-type]
