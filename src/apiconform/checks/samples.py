"""Valid requests for an operation: the target's known inputs, then documented examples, then generated.

Checks that are about credentials or environments (not about data) need one request the API would
accept from a valid caller; this is where they get it, in the order the documentation earns trust.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import schemathesis
import schemathesis.specs.openapi.schemas  # imported by from_dict at first use: 0.15 s of start-up, not a test
from hypothesis import HealthCheck, Phase, find, settings
from schemathesis import GenerationMode

from apiconform.checks.documented_request import Part, covers, documented_parts
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
    return name.lower() in _security_headers(op.api)


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


def _security_headers(api: str) -> frozenset[str]:
    names = {str(s.get("name", "")).lower() for s in schemes(api).values() if s.get("type") == "apiKey"}
    return frozenset({*names, "authorization"})


_DOCUMENTED: dict[tuple[str, str], tuple[Request, list[Part]]] = {}


def _documented(op: Operation) -> tuple[Request, list[Part]]:
    key = (op.api, op.operation_id)
    if key not in _DOCUMENTED:
        _DOCUMENTED[key] = documented_parts(load_api(op.api).bundled, op.raw, _security_headers(op.api))
    parts, missing = _DOCUMENTED[key]
    return copy.deepcopy(parts), missing


def contract_request(op: Operation) -> Request:
    """The contract's own request: its documented values when it has one for every required part, else generated."""
    parts, missing = _documented(op)
    return generated_request(op) if missing else parts


def known_requests(session: TargetSession, env: Environment, op: Operation) -> list[Request]:
    """The target's known inputs, each completed to a full request: the contract's documented values for the
    parts the input leaves out, generated ones only where the contract documents none either."""
    parts, missing = _documented(op)
    requests: list[Request] = []
    for known in session.known_inputs(env, op.api, op.operation_id):
        given = {k: v for k, v in known.items() if v not in (None, {})}
        base = generated_request(op) if any(not covers(given, part) for part in missing) else copy.deepcopy(parts)
        merged = {**base, **given}
        if "body" in known and "form" in merged:
            merged.pop("form")
        requests.append(merged)
    return requests


def sample_requests(session: TargetSession, env: Environment, op: Operation) -> list[Request]:
    """Known inputs first, then the contract's own request; each with the operation's required parts filled."""
    return [*known_requests(session, env, op), contract_request(op)]


def sample_request(session: TargetSession, env: Environment, op: Operation) -> Request:
    known = known_requests(session, env, op)
    return known[0] if known else contract_request(op)


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
    for request in known_requests(session, env, op):
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
