"""Contract conformance through schemathesis: generated requests, documented responses.

Schemathesis generates the data (positive and negative) and judges each response with its own checks;
we send every request through the target's client (budget, write guard, recording) and turn a
schemathesis failure into a ContractViolation so reports classify it as contract drift.
``ignored_auth`` is left out on purpose: it re-sends probes outside our budget and misses OAuth2 and
wrong-secret cases, which the auth suite covers. ``response_schema_conformance`` is replaced by our graded
body validation: it stops at the first schema error, which may be an assumed one hiding a documented one.
Each failure carries the grade of its rule; the blocking ones decide, the others are warnings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import example, given
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    status_code_conformance,
)

from apiconform.checks.failures import Category, ContractViolation, breach, decide
from apiconform.checks.graded import Breach
from apiconform.checks.graded_schemathesis import body_breaches, describe_breaches, failure_grade
from apiconform.checks.samples import generation_settings, known_cases, schemathesis_operation
from apiconform.config.model import Environment
from apiconform.contracts.grades import Grade
from apiconform.targets.session import Operation, TargetSession

COMMON_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
]
CHECKS = {
    GenerationMode.POSITIVE: [*COMMON_CHECKS, positive_data_acceptance],
    GenerationMode.NEGATIVE: [*COMMON_CHECKS, negative_data_rejection],
}


def conforms(session: TargetSession, env: Environment, op: Operation, mode: GenerationMode) -> int:
    """Run generated cases of one operation; return how many were sent. Raises ContractViolation."""
    st_op = schemathesis_operation(op)
    auth = session.present(env, op.api)
    sent = 0
    known_ids: set[int] = set()  # documented or configured inputs: refusing one breaks a documented rule

    def check(case: Any) -> None:
        nonlocal sent
        kwargs = case.as_transport_kwargs(base_url=session.base_url(env, op.api), headers=auth.headers)
        if op.path != st_op.path:  # a vendor path override: same operation, another URL
            kwargs["url"] = kwargs["url"].replace(st_op.path, op.path, 1)
        response = session.send_transport(env, op, kwargs, auth)
        sent += 1
        failures: list[tuple[Grade, str, str]] = []
        try:
            case.validate_response(response, checks=CHECKS[mode], headers=auth.headers)
        except (AssertionError, BaseExceptionGroup) as exc:
            document = session.documents[op.api].bundled
            known = id(case) in known_ids
            failures = [
                (failure_grade(document, op, response, case, f, known), *_title_text(f)) for f in _failures(exc)
            ]
        breaches = body_breaches(session.documents[op.api].bundled, op, response)
        judge(op, env, response.status_code, failures, breaches)

    test: Callable[..., None] = given(case=st_op.as_strategy(generation_mode=mode))(check)
    if mode is GenerationMode.POSITIVE:
        for known in known_cases(session, env, op):
            known_ids.add(id(known))
            test = example(case=known)(test)
    profile = session.profile
    count = profile.positive_examples if mode is GenerationMode.POSITIVE else profile.negative_examples
    generation_settings(session, count)(test)()
    return sent


def _failures(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [e for sub in exc.exceptions for e in _failures(sub)]
    return [exc]


def _title_text(failure: BaseException) -> tuple[str, str]:
    title = str(getattr(failure, "title", type(failure).__name__))
    return title, f"{title}: {getattr(failure, 'message', str(failure))}"


def judge(op: Operation, env: str, status: int, failures: list[tuple[Grade, str, str]], breaches: list[Breach]) -> None:
    """One violation for the blocking failures and breaches (it decides), one warning for the rest; titles
    and texts sorted so the same failures give the same message (accepted deviations pin it)."""
    found = list(failures)
    for blocking in (True, False):
        part = [b for b in breaches if b.grade.blocking is blocking]
        if part:
            found.append((part[0].grade, "Response violates schema", describe_breaches(part)))
    violations = []
    for blocking in (True, False):
        group = sorted((f for f in found if f[0].blocking is blocking), key=lambda f: (f[1], f[2]))
        if group:
            violations.append(
                ContractViolation(
                    Category.CONTRACT,
                    "schemathesis:" + ", ".join(sorted({title for _, title, _ in group})),
                    "\n".join(text for _, _, text in group),
                    received=f"HTTP {status}",
                    operation=f"{op.api} {op.label} ({env})",
                    source=str(op.raw.get("x-source", "OpenAPI document"))[:300],
                    grade=min((g for g, _, _ in group), key=lambda g: -g.strength if blocking else g.strength),
                )
            )
    decide(violations)


def echoed_headers(op: Operation) -> list[str]:
    """Request headers the contract also declares on the success response: the vendor echoes them."""
    sent = {p["name"].lower(): p["name"] for p in op.raw.get("parameters", []) if p.get("in") == "header"}
    echoed: list[str] = []
    for code, response in op.raw.get("responses", {}).items():
        if code.startswith("2"):
            echoed += [sent[h.lower()] for h in response.get("headers", {}) if h.lower() in sent]
    return sorted(set(echoed))


def echo_source(op: Operation, header: str) -> str:
    """Where the contract documents the echo: the success response header's ``x-source``."""
    for code, response in op.raw.get("responses", {}).items():
        if code.startswith("2"):
            for name, declared in response.get("headers", {}).items():
                if name.lower() == header.lower() and isinstance(declared, dict) and declared.get("x-source"):
                    return str(declared["x-source"])
    return "the operation's success response declares the request header it echoes"


def headers_echoed(session: TargetSession, env: Environment, op: Operation, header: str) -> None:
    """A correlation header sent with a valid request comes back unchanged, as the contract declares."""
    from apiconform.checks.samples import sample_request, send_sample

    request = sample_request(session, env, op)
    value = f"apiconform-{op.operation_id}-{env}"
    request["headers"] = {**request.get("headers", {}), header: value}
    response = send_sample(session, env, op, session.present(env, op.api), request)
    received = response.headers.get(header)
    if received != value:
        breach(
            ContractViolation(
                Category.CONTRACT,
                "header_echoed",
                f"{header} sent with the request was not echoed in the {response.status_code} response",
                received=received if received is not None else "(header absent)",
                documented=f"{header}: {value}",
                operation=f"{op.api} {op.label} ({env})",
                source=echo_source(op, header),
            )
        )
