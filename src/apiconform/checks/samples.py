"""Valid requests for an operation: the target's known inputs, then documented examples, then generated.

Checks that are about credentials or environments (not about data) need one request the API would
accept from a valid caller; this is where they get it, in the order the documentation earns trust.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, find, settings
from schemathesis import GenerationMode

from apiconform.config.model import Environment
from apiconform.contracts import load_api
from apiconform.contracts.security import schemes
from apiconform.targets.session import Operation, Presented, TargetSession

Request = dict[str, Any]  # keys: path_parameters, query, headers, body, form


@cache
def schemathesis_schema(api: str) -> Any:
    """The schemathesis schema of an API; credentials are ours to send, never generated or negated."""
    schema = schemathesis.openapi.from_dict(load_api(api).bundled)
    schema.config.generation.update(with_security_parameters=False)
    return schema


def schemathesis_operation(op: Operation) -> Any:
    """The schemathesis APIOperation for one of our operations (matched by operationId)."""
    for result in schemathesis_schema(op.api).get_all_operations():
        candidate = result.ok()
        if candidate.definition.raw.get("operationId") == op.operation_id:
            return candidate
    raise LookupError(f"{op.api}: operation {op.operation_id} not in its OpenAPI document")


def _from_case(case: Any, op: Operation) -> Request:
    request: Request = {
        "path_parameters": dict(case.path_parameters or {}),
        "query": dict(case.query or {}),
        "headers": {k: str(v) for k, v in (case.headers or {}).items() if not _is_security_header(op, k)},
    }
    body = case.body
    if body is not None and type(body).__name__ != "NotSet":
        if case.media_type == "application/x-www-form-urlencoded":
            request["form"] = body
        else:
            request["body"] = body
    return request


def _is_security_header(op: Operation, name: str) -> bool:
    names = {str(s.get("name", "")).lower() for s in schemes(op.api).values() if s.get("type") == "apiKey"}
    return name.lower() in names or name.lower() == "authorization"


def generated_request(op: Operation) -> Request:
    """One schema-valid request, the same every run (hypothesis with derandomize); a fresh copy per call."""
    return copy.deepcopy(_generated(op.api, op.operation_id, op))


_CACHE: dict[tuple[str, str], Request] = {}


def _generated(api: str, operation_id: str, op: Operation) -> Request:
    key = (api, operation_id)
    if key not in _CACHE:
        _CACHE[key] = _generate(op)
    return _CACHE[key]


def _generate(op: Operation) -> Request:
    strategy = schemathesis_operation(op).as_strategy(generation_mode=GenerationMode.POSITIVE)
    case = find(
        strategy,
        lambda _: True,
        settings=settings(
            database=None,
            derandomize=True,
            max_examples=10,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        ),
    )
    return _from_case(case, op)


def sample_requests(session: TargetSession, env: Environment, op: Operation) -> list[Request]:
    """Known inputs first, then a generated request; each with the operation's required headers filled."""
    samples: list[Request] = []
    generated = generated_request(op)
    for known in session.known_inputs(env, op.api, op.operation_id):
        merged = {**generated, **{k: v for k, v in known.items() if v not in (None, {})}}
        if "body" in known and "form" in merged:
            merged.pop("form")
        samples.append(merged)
    samples.append(generated)
    return samples


def sample_request(session: TargetSession, env: Environment, op: Operation) -> Request:
    return sample_requests(session, env, op)[0]


def send_sample(
    session: TargetSession,
    env: Environment,
    op: Operation,
    auth: Presented,
    request: Request | None = None,
) -> Any:
    """Send a sample request with the given credentials (which replace any generated values of the same name)."""
    request = request or sample_request(session, env, op)
    return session.send(
        env,
        op,
        auth,
        headers=request.get("headers", {}),
        path_parameters=request.get("path_parameters"),
        query=request.get("query"),
        body=request.get("body"),
        form=request.get("form"),
    )


def known_cases(session: TargetSession, env: Environment, op: Operation) -> list[Any]:
    """The target's known inputs as schemathesis cases, completed with generated required parts (headers)."""
    st_op = schemathesis_operation(op)
    cases = []
    for request in sample_requests(session, env, op)[:-1]:
        body = request.get("body", request.get("form"))
        kwargs: dict[str, Any] = {
            "path_parameters": request.get("path_parameters") or None,
            "query": request.get("query") or None,
            "headers": request.get("headers") or None,
        }
        if body is not None:
            kwargs["body"] = body
        cases.append(st_op.Case(**kwargs))
    return cases


def generation_settings(session: TargetSession, max_examples: int) -> settings:
    """Hypothesis settings for generated requests: explicit (known) inputs first, then generated ones;
    the quick profile is derandomized (unless a seed is given) so a pull request sees the same cases every run."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=session.profile.derandomize,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
