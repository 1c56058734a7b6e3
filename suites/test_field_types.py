"""Field types: across many generated valid requests, every response field keeps its documented type."""

from __future__ import annotations

import pytest

from apiconform.checks.field_types import fields_keep_types, has_json_success
from apiconform.parametrize import OperationEnv, operation_params, parametrize_cases
from apiconform.plugin import get_session
from apiconform.targets.session import TargetSession

pytestmark = pytest.mark.concern("field-types")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        session = get_session(metafunc.config)
        parametrize_cases(metafunc, operation_params(session, has_json_success))


@pytest.mark.generated("field_type")
@pytest.mark.rule(
    "every field of every successful response keeps its documented JSON type, format, enum and nullability",
    "the response JSON Schemas in schemas/<vendor>/, each property's x-source",
)
def test_response_fields_keep_types(case: OperationEnv, target_session: TargetSession) -> None:
    operation, env = case
    inspected = fields_keep_types(target_session, env, operation)
    if inspected == 0:
        pytest.skip(
            f"no successful JSON response from {operation.label} in {env} to inspect: add "
            f"[[targets.{target_session.target.name}.environments.{env}.known_inputs.{operation.api}."
            f"{operation.operation_id}]] with inputs that find a record"
        )
