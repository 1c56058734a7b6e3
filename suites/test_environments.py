"""Environments: sandbox and production keep their credentials and their data to themselves.

For every ordered pair of environments the target has (sandbox->production, production->sandbox): the
default role's credentials of one are refused by the other, and what one environment's published test
inputs find is not found in the other. Rule logic: ``apiconform.checks.environments``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from apiconform.checks import environments as rules
from apiconform.checks.samples import Request, sample_requests, send_sample
from apiconform.config.model import Environment
from apiconform.plugin import get_session
from apiconform.targets.session import Operation, TargetSession

pytestmark = pytest.mark.concern("environments")

PARAMS = "api,env,operation,pair"
# The field that identifies a record in an API's answers (seed 004: AT&T accounts carry accountId).
RECORD_ID_FIELDS = {"att-end-customer-lookup": "accountId"}
REFUSED = (401, 403)


# -- collection ------------------------------------------------------------------------------------------
def _pairs(session: TargetSession, api: str) -> Iterator[tuple[Environment, Environment]]:
    envs = session.environments(api)
    for source in envs:
        for target in envs:
            if source != target:
                yield source, target


def _probe_operations(session: TargetSession, api: str) -> list[Operation]:
    """Protected operations to present foreign credentials to: the read-only ones, else all of them."""
    protected = [op for op in session.operations(api) if op.raw.get("security") != []]
    return [op for op in protected if op.read_only] or protected


def _cases(session: TargetSession, name: str) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for api in session.target.apis():
        kind = session.kind(api)
        for pair in _pairs(session, api):
            if name == "test_credentials_bound_to_environment":
                out += [(api, pair[1], op, pair) for op in _probe_operations(session, api)]
            elif name == "test_partner_login_bound_to_environment" and kind == "bearer":
                out += [(api, pair[1], session.operation(api, "createToken"), pair)]
            elif name == "test_records_do_not_cross_environments" and api in RECORD_ID_FIELDS:
                out += [(api, pair[1], op, pair) for op in _probe_operations(session, api)]
            elif name == "test_identifiers_do_not_resolve_across_environments":
                out += [
                    (api, pair[1], op, pair)
                    for op in _probe_operations(session, api)
                    if op.read_only and "{" in op.path
                ]
    return out


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "pair" not in metafunc.fixturenames:
        return
    session = get_session(metafunc.config)
    cases = _cases(session, metafunc.function.__name__)
    ids = [f"{a}:{o.operation_id}:{p[0]}->{p[1]}" for a, _, o, p in cases]
    metafunc.parametrize(PARAMS, cases, ids=ids)


# -- helpers ---------------------------------------------------------------------------------------------
def _require(session: TargetSession, env: Environment, role: str) -> None:
    if session.credential(env, role) is None:
        pytest.skip(
            f"no credentials for role {role!r} in {env}: configure "
            f"targets.{session.target.name}.environments.{env}.credentials.{role} in apiconform.toml"
        )


def _headers(session: TargetSession, env: Environment, api: str) -> dict[str, str]:
    """The default role's valid credentials of ``env`` (a Core token is issued by ``env``)."""
    role = session.default_role(api)
    _require(session, env, role)
    return session.auth_headers(env, api, role)


def _known(session: TargetSession, env: Environment, op: Operation) -> list[tuple[dict[str, Any], Request]]:
    """The environment's published test inputs, each with the full request built from it."""
    known = session.known_inputs(env, op.api, op.operation_id)
    if not known:
        pytest.skip(
            f"no known inputs for {op.api} {op.operation_id} in {env}: configure "
            f"targets.{session.target.name}.known_inputs.{env}.{op.api}.{op.operation_id}"
        )
    return list(zip(known, sample_requests(session, env, op), strict=False))


def _send(
    session: TargetSession,
    env: Environment,
    op: Operation,
    headers: dict[str, str],
    request: Request | None = None,
) -> httpx.Response:
    response: httpx.Response = send_sample(session, env, op, headers, request)
    return response


def _control(response: httpx.Response, env: Environment, what: str) -> None:
    """Without an accepted control request, a refusal across environments proves nothing."""
    if response.status_code in REFUSED:
        pytest.skip(f"{what} is refused in {env} itself ({response.status_code}); the auth suite reports it")


# -- tests -----------------------------------------------------------------------------------------------
@pytest.mark.rule("credentials of one environment are refused (401) by the other", rules.SEED_000_UNIQUE)
def test_credentials_bound_to_environment(
    target_session: TargetSession,
    api: str,
    env: Environment,
    operation: Operation,
    pair: tuple[Environment, Environment],
) -> None:
    source, target = pair
    foreign = _headers(target_session, source, api)
    _control(_send(target_session, source, operation, foreign), source, f"{api} credentials of {source}")
    response = _send(target_session, target, operation, foreign)
    what = {"bearer": "a Core token", "basic": "an endpoint Basic login"}.get(
        target_session.kind(api), "a client id and secret"
    )
    rules.credentials_bound_to_environment(response, operation, what, source, target)


@pytest.mark.rule(
    "the partner login of one environment gets no token from the other",
    rules.SEED_000_UNIQUE + '; 002_21c12c8c54fabbce.txt: "obtaining a CarrierX account"',
)
def test_partner_login_bound_to_environment(
    target_session: TargetSession,
    api: str,
    env: Environment,
    operation: Operation,
    pair: tuple[Environment, Environment],
) -> None:
    source, target = pair
    role = target_session.default_role(api)
    _require(target_session, source, role)
    _control(target_session.request_token(source, role), source, f"the {role} login of {source}")
    response = target_session.request_token(target, role, credential_env=source)
    rules.credentials_bound_to_environment(response, operation, f"the {role} login", source, target)


@pytest.mark.rule(
    "records found with one environment's test inputs never appear in the other's answer",
    rules.SEED_000_APPS + "; 004_986340a3ec2669ec.txt sample request/response",
)
def test_records_do_not_cross_environments(
    target_session: TargetSession,
    api: str,
    env: Environment,
    operation: Operation,
    pair: tuple[Environment, Environment],
) -> None:
    source, target = pair
    id_field = RECORD_ID_FIELDS[api]
    source_headers, target_headers = (
        _headers(target_session, source, api),
        _headers(target_session, target, api),
    )
    for _, request in _known(target_session, source, operation):
        found = _send(target_session, source, operation, source_headers, request)
        source_ids = rules.record_ids(found.json() if found.status_code == 200 else None, id_field)
        if not source_ids:
            pytest.skip(
                f"{source}'s known input for {operation.operation_id} finds no record in {source} "
                f"({found.status_code}); fix known_inputs"
            )
        answer = _send(target_session, target, operation, target_headers, request)
        target_ids = rules.record_ids(answer.json() if answer.status_code == 200 else None, id_field)
        rules.records_do_not_cross_environments(source_ids, target_ids, operation, id_field, source, target)


@pytest.mark.rule("an identifier known in one environment is not found (404) in the other", rules.SEED_000_APPS)
def test_identifiers_do_not_resolve_across_environments(
    target_session: TargetSession,
    api: str,
    env: Environment,
    operation: Operation,
    pair: tuple[Environment, Environment],
) -> None:
    source, target = pair
    source_headers, target_headers = (
        _headers(target_session, source, api),
        _headers(target_session, target, api),
    )
    known = [(k, r) for k, r in _known(target_session, source, operation) if k.get("path_parameters")]
    if not known:
        pytest.skip(f"no known path parameters for {operation.operation_id} in {source}")
    for item, request in known:
        found = _send(target_session, source, operation, source_headers, request)
        identifier = ", ".join(f"{k}" for k in item["path_parameters"])
        if found.status_code != 200:
            pytest.skip(
                f"{source}'s known {identifier} is not found in {source} ({found.status_code}); fix known_inputs"
            )
        answer = _send(target_session, target, operation, target_headers, request)
        rules.identifiers_do_not_resolve_across_environments(answer, operation, identifier, source, target)
