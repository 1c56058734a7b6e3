"""Environments: sandbox and production keep their credentials and their data to themselves.

For every ordered pair of environments the target has (sandbox->production, production->sandbox): the
main credential of one is refused by the other (for OAuth2 APIs, also at the token endpoint), and the
records (``x-apiconform-records``) one environment's published test inputs find are not found in the other.
Rule logic: ``apiconform.checks.environments``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from apiconform.checks import environments as rules
from apiconform.checks.samples import Request, known_requests, send_sample
from apiconform.config.model import Environment
from apiconform.parametrize import PairCase, covering, parametrize_cases
from apiconform.plugin import get_session
from apiconform.targets.session import Operation, Presented, TargetSession

pytestmark = pytest.mark.concern("environments")

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
    protected = [op for op in session.operations(api) if op.protected]
    return [op for op in protected if op.read_only] or protected


def _cases(session: TargetSession, name: str) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for api in session.target.apis():
        kind = session.kind(api)
        for pair in _pairs(session, api):
            if name == "test_credentials_bound_to_environment":
                out += [(api, pair[1], op, pair) for op in _probe_operations(session, api)]
            elif name == "test_token_credentials_bound_to_environment" and kind == "oauth2":
                out += [(api, pair[1], session.token_operation(api), pair)]
            elif name == "test_records_do_not_cross_environments":
                out += [(api, pair[1], op, pair) for op in _probe_operations(session, api) if op.records.get("id")]
            elif name == "test_identifiers_do_not_resolve_across_environments":
                out += [
                    (api, pair[1], op, pair)
                    for op in _probe_operations(session, api)
                    if op.read_only and "{" in op.path
                ]
    return out


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" not in metafunc.fixturenames:
        return
    session = get_session(metafunc.config)
    # Each direction once per API and each operation probed in one direction (quick), or all of them (nightly).
    full = session.profile.full_matrix
    cases = covering(
        [PairCase(*c) for c in _cases(session, metafunc.function.__name__)], full=full, per_environment=False
    )
    ids = [f"{a}:{o.operation_id}:{p[0]}->{p[1]}" for a, _, o, p in cases]
    parametrize_cases(metafunc, cases, ids)


# -- helpers ---------------------------------------------------------------------------------------------
def _headers(session: TargetSession, env: Environment, api: str) -> Presented:
    """The main credential of ``env`` (a token is issued by ``env``'s token endpoint)."""
    return session.present(env, api, session.require_role(env, api))


def _known(session: TargetSession, env: Environment, op: Operation) -> list[tuple[dict[str, Any], Request]]:
    """The environment's published test inputs, each with the full request built from it."""
    known = session.known_inputs(env, op.api, op.operation_id)
    if not known:
        pytest.skip(
            f"no known inputs for {op.api} {op.operation_id} in {env}: add "
            f"[[targets.{session.target.name}.environments.{env}.known_inputs.{op.api}.{op.operation_id}]]"
        )
    return list(zip(known, known_requests(session, env, op), strict=True))


def _send(
    session: TargetSession,
    env: Environment,
    op: Operation,
    headers: Presented,
    request: Request | None = None,
) -> httpx.Response:
    response: httpx.Response = send_sample(session, env, op, headers, request)
    return response


def _records(op: Operation, response: httpx.Response) -> Any:
    """The records of a successful answer: the body, or the field ``x-apiconform-records.items`` names."""
    if response.status_code != 200:
        return None
    body = response.json()
    items = op.records.get("items")
    return body.get(items) if items and isinstance(body, dict) else body


def _control(response: httpx.Response, env: Environment, what: str) -> None:
    """Without an accepted control request, a refusal across environments proves nothing."""
    if response.status_code in REFUSED:
        pytest.skip(f"{what} is refused in {env} itself ({response.status_code}); the auth suite reports it")


# -- tests -----------------------------------------------------------------------------------------------
@pytest.mark.requests(3)
@pytest.mark.rule("credentials of one environment are refused (401) by the other", rules.SEED_000_UNIQUE)
def test_credentials_bound_to_environment(target_session: TargetSession, case: PairCase) -> None:
    api, operation, (source, target) = case.api, case.operation, case.pair
    foreign = _headers(target_session, source, api)
    _control(_send(target_session, source, operation, foreign), source, f"{api} credentials of {source}")
    response = _send(target_session, target, operation, foreign)
    what = {"oauth2": "a token", "bearer": "a token", "basic": "a Basic login"}.get(
        target_session.kind(api), "an API key credential"
    )
    rules.credentials_bound_to_environment(response, operation, what, source, target)


@pytest.mark.requests(2)
@pytest.mark.rule(
    "the main credential of one environment gets no token from the other's token endpoint",
    rules.SEED_000_UNIQUE,
)
def test_token_credentials_bound_to_environment(target_session: TargetSession, case: PairCase) -> None:
    api, operation, (source, target) = case.api, case.operation, case.pair
    role = target_session.require_role(source, api)
    tokens = target_session.tokens
    _control(tokens.request(source, api, role), source, f"credential {role!r} of {source}")
    response = tokens.request(target, api, role, credential_env=source)
    rules.credentials_bound_to_environment(response, operation, f"credential {role!r}", source, target)


@pytest.mark.requests(2)
@pytest.mark.rule(
    "records found with one environment's test inputs never appear in the other's answer",
    rules.SEED_000_APPS,
)
def test_records_do_not_cross_environments(target_session: TargetSession, case: PairCase) -> None:
    api, operation, (source, target) = case.api, case.operation, case.pair
    id_field = str(operation.records["id"])
    source_headers, target_headers = (
        _headers(target_session, source, api),
        _headers(target_session, target, api),
    )
    for _, request in _known(target_session, source, operation):
        found = _send(target_session, source, operation, source_headers, request)
        source_ids = rules.record_ids(_records(operation, found), id_field)
        if not source_ids:
            pytest.skip(
                f"{source}'s known input for {operation.operation_id} finds no record in {source} "
                f"({found.status_code}); fix known_inputs"
            )
        answer = _send(target_session, target, operation, target_headers, request)
        target_ids = rules.record_ids(_records(operation, answer), id_field)
        rules.records_do_not_cross_environments(source_ids, target_ids, operation, id_field, source, target)


@pytest.mark.requests(4)
@pytest.mark.rule("an identifier known in one environment is not found (404) in the other", rules.SEED_000_APPS)
def test_identifiers_do_not_resolve_across_environments(target_session: TargetSession, case: PairCase) -> None:
    api, operation, (source, target) = case.api, case.operation, case.pair
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
