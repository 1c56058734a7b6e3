"""Field types: every field of every successful response keeps its documented type, format and enum.

Hypothesis drives many valid requests (known inputs first, so real records are seen, not only "not
found"); each JSON body is validated field by field against the documented response schema, inside
arrays and nested objects, and every deviation is reported with its JSON path.
"""

from __future__ import annotations

from typing import Any

from hypothesis import example, given
from schemathesis import GenerationMode

from apiconform.checks.failures import Category, ContractViolation
from apiconform.checks.graded import Breach, report_breaches, response_links, schema_breaches, summary
from apiconform.checks.samples import generation_settings, known_cases, schemathesis_operation
from apiconform.config.model import Environment
from apiconform.contracts.security import Security
from apiconform.targets.session import Operation, TargetSession

_NO_SECURITY = Security("api_key")


def success_schema(session: TargetSession, op: Operation, status: int) -> dict[str, Any] | None:
    """The documented JSON schema of a 2xx response (with the document's components to resolve refs)."""
    responses = op.raw.get("responses", {})
    response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
    if not response:
        return None
    media = response.get("content", {}).get("application/json")
    if not media or "schema" not in media:
        return None
    components = session.documents[op.api].bundled.get("components", {})
    return {**media["schema"], "components": components}


def has_json_success(op: Operation) -> bool:
    return any(
        code.startswith("2") and "application/json" in (resp.get("content") or {})
        for code, resp in op.raw.get("responses", {}).items()
    )


def fields_keep_types(session: TargetSession, env: Environment, op: Operation) -> int:
    """Return how many successful JSON responses were inspected; raise on the first drifting one."""
    if op.issues_tokens:  # its only valid input is a credential: ask for real tokens, also with one scope
        role = session.require_role(env, op.api)
        scopes = (session.security(op.api) or _NO_SECURITY).scopes[:1]
        return sum(_inspect(session, env, op, session.tokens.request(env, op.api, role, s)) for s in (None, scopes))
    st_op = schemathesis_operation(op)
    auth = session.present(env, op.api)
    inspected = 0

    def check(case: Any) -> None:
        nonlocal inspected
        kwargs = case.as_transport_kwargs(base_url=session.base_url(env, op.api), headers=auth.headers)
        inspected += _inspect(session, env, op, session.send_transport(env, op, kwargs, auth))

    test: Any = given(case=st_op.as_strategy(generation_mode=GenerationMode.POSITIVE))(check)
    for known in known_cases(session, env, op):
        test = example(case=known)(test)
    generation_settings(session, session.profile.field_type_examples)(test)()
    return inspected


def _inspect(session: TargetSession, env: Environment, op: Operation, response: Any) -> int:
    """Validate one response's fields; 1 if it was a documented JSON success, 0 if nothing to inspect."""
    schema = success_schema(session, op, response.status_code) if response.is_success else None
    if schema is None:
        return 0
    try:
        body = response.json()
    except ValueError:
        body = response.text
    documented = op.raw.get("responses", {}).get(str(response.status_code))
    breaches = schema_breaches(schema, body, response_links(op.raw, documented))

    def violation(group: list[Breach]) -> ContractViolation:
        return ContractViolation(
            Category.CONTRACT,
            "field_type_conformance",
            f"{len(group)} field(s) of the {response.status_code} response drift from the documented types:\n"
            f"{summary(group)}",
            operation=f"{op.api} {op.label} ({env})",
            documented="the response schema in the OpenAPI document",
            source=str(op.raw.get("x-source", ""))[:300],
            grade=group[0].grade,
        )

    report_breaches(breaches, violation)
    return 1
