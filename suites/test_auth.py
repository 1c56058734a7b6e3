"""Authentication: the failure matrix of every operation, per security scheme kind, plus a positive control.

Schemathesis' ``ignored_auth`` never probes ``oauth2`` and never sends a valid client id with a wrong secret
(schemathesis-notes.md); scopes, a Core token on a Basic API and echoed secrets are checked by nothing built
in. This suite sends exactly those requests. Rule logic: ``apiconform.checks.auth``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from apiconform.checks import auth
from apiconform.checks.failures import Category, ContractViolation
from apiconform.checks.samples import Request, sample_request, send_sample
from apiconform.config.model import Environment
from apiconform.plugin import get_session
from apiconform.reporting.redaction import register_secret
from apiconform.targets.session import Operation, TargetSession, basic_header, client_headers

pytestmark = pytest.mark.concern("auth")

PARAMS = "api,env,operation,variant"
CLIENT_PAIR_VARIANTS = (
    "no-credentials",
    "id-only",
    "secret-only",
    "empty-values",
    "malformed-values",
    "unknown-id",
    "wrong-secret",
)
BEARER_VARIANTS = ("no-token", "garbage-token", "revoked-token")
# Roles whose applications hold a contract only for the listed APIs (ARCHITECTURE.md "credential roles").
CONTRACT_LIMITED_ROLES = {"att_only": frozenset({"att-end-customer-lookup"})}
_SAMPLES: dict[tuple[Environment, str, str], Request] = {}


# -- collection ------------------------------------------------------------------------------------------
def _protected(session: TargetSession, api: str) -> Iterator[tuple[str, Operation]]:
    """(environment, operation) of every operation that has a security requirement."""
    for op in session.operations(api):
        if op.raw.get("security") == []:
            continue
        for env in session.environments(api):
            yield env, op


def _matrix(session: TargetSession, kind: str, variants: tuple[str, ...]) -> Iterator[tuple[Any, ...]]:
    for api in session.target.apis():
        if session.kind(api) == kind:
            for env, op in _protected(session, api):
                for variant in variants:
                    yield api, env, op, variant


def _basic_variants(session: TargetSession, api: str) -> tuple[str, ...]:
    others = [
        f"{other}-credentials" for other in session.target.apis() if other != api and session.kind(other) == "basic"
    ]
    core = ("core-token",) if any(session.kind(a) == "bearer" for a in session.target.apis()) else ()
    return ("no-credentials", "wrong-password", *core, *others)


def _scope_cases(session: TargetSession) -> Iterator[tuple[Any, ...]]:
    """Bearer operations with scopes, each with a declared scope that none of its alternatives accepts."""
    for api in session.target.apis():
        if session.kind(api) != "bearer":
            continue
        declared = _declared_scopes(session, api)
        for env, op in _protected(session, api):
            accepted = {scope for alternative in op.scopes for scope in alternative}
            foreign = [scope for scope in declared if scope not in accepted]
            if op.scopes and foreign:
                yield api, env, op, f"scope-{foreign[0]}"


def _declared_scopes(session: TargetSession, api: str) -> list[str]:
    schemes = session.documents[api].bundled["components"]["securitySchemes"].values()
    return sorted(s for scheme in schemes for flow in scheme.get("flows", {}).values() for s in flow["scopes"])


def _cases(session: TargetSession, name: str) -> list[tuple[Any, ...]]:
    apis = session.target.apis()
    if name == "test_client_credentials_refused":
        return list(_matrix(session, "client_pair", CLIENT_PAIR_VARIANTS))
    if name == "test_role_without_contract_forbidden":
        return [
            (a, e, o, role)
            for role, allowed in CONTRACT_LIMITED_ROLES.items()
            for a in apis
            if session.kind(a) == "client_pair" and a not in allowed
            for e, o in _protected(session, a)
        ]
    if name == "test_bearer_token_refused":
        return list(_matrix(session, "bearer", BEARER_VARIANTS))
    if name == "test_insufficient_scope_forbidden":
        return list(_scope_cases(session))
    if name in ("test_wrong_partner_password_refused", "test_token_response_not_cacheable"):
        return [
            (a, e, o, "partner")
            for a in apis
            if session.kind(a) == "bearer"
            for o in session.operations(a)
            if o.operation_id == "createToken"
            for e in session.environments(a)
        ]
    if name == "test_basic_credentials_refused":
        return [
            (a, e, o, v)
            for a in apis
            if session.kind(a) == "basic"
            for e, o in _protected(session, a)
            for v in _basic_variants(session, a)
        ]
    if name == "test_valid_credentials_accepted":
        return [(a, e, o, session.default_role(a)) for a in apis for e, o in _protected(session, a)]
    raise LookupError(name)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "variant" not in metafunc.fixturenames:
        return
    session = get_session(metafunc.config)
    cases = _cases(session, metafunc.function.__name__)
    metafunc.parametrize(PARAMS, cases, ids=[f"{a}:{o.operation_id}:{e}:{v}" for a, e, o, v in cases])


# -- helpers ---------------------------------------------------------------------------------------------
def _credential(session: TargetSession, env: Environment, role: str) -> dict[str, str]:
    found = session.credential(env, role)
    if found is None:
        pytest.skip(
            f"no credentials for role {role!r} in {env}: configure "
            f"targets.{session.target.name}.environments.{env}.credentials.{role} in apiconform.toml"
        )
    return found


def _sample(session: TargetSession, env: Environment, op: Operation) -> Request:
    key = (env, op.api, op.operation_id)
    if key not in _SAMPLES:
        _SAMPLES[key] = sample_request(session, env, op)
    return _SAMPLES[key]


def _send(session: TargetSession, env: Environment, op: Operation, headers: dict[str, str]) -> httpx.Response:
    response: httpx.Response = send_sample(session, env, op, headers, _sample(session, env, op))
    return response


def _fake(length: int = 32) -> str:
    """A random credential value nobody issued; registered so reports mask it like a real one."""
    value = secrets.token_urlsafe(length)[:length]
    register_secret(value)
    return value


def _client_pair(session: TargetSession, api: str, variant: str, cred: dict[str, str]) -> dict[str, str]:
    id_name, secret_name = client_headers(session.documents[api])
    cid, secret = cred["client_id"], cred["client_secret"]
    return {
        "no-credentials": {},
        "id-only": {id_name: cid},
        "secret-only": {secret_name: secret},
        "empty-values": {id_name: "", secret_name: ""},
        "malformed-values": {id_name: "' OR '1'='1' --", secret_name: "*" * 1024},
        "unknown-id": {id_name: _fake(len(cid)), secret_name: _fake(len(secret))},
        "wrong-secret": {id_name: cid, secret_name: _fake(len(secret))},
    }[variant]


def _bearer(session: TargetSession, env: Environment, variant: str) -> dict[str, str]:
    if variant == "no-token":
        return {}
    if variant == "garbage-token":
        return {"Authorization": f"Bearer {_fake(43)}"}
    return {"Authorization": f"Bearer {_revoked_token(session, env)}"}


def _revoked_token(session: TargetSession, env: Environment) -> str:
    """A token revoked with revokeToken by a token holding oauth.manage (RFC 7009-style revocation)."""
    _credential(session, env, "partner")
    issued = session.request_token(env, "partner")
    if issued.status_code != 200:
        pytest.skip(f"the partner login of {env} got no token ({issued.status_code}); check its credentials")
    token, sid = issued.json()["access_token"], issued.json()["token_sid"]
    register_secret(token)
    revoke = session.operation("carrierx-core", "revokeToken")
    manager = session.token(env, ["oauth.manage"])
    answer = session.send(
        env, revoke, headers={"Authorization": f"Bearer {manager}"}, path_parameters={"token_sid": sid}
    )
    if answer.status_code != 204:
        raise ContractViolation(
            Category.AUTH,
            "revoked_token_is_refused",
            "revoking a token failed",
            received=answer.status_code,
            documented="204",
            operation=revoke.label,
            source="ARCHITECTURE.md carrierx-core revokeToken: 204",
        )
    return str(token)


def _basic(session: TargetSession, env: Environment, api: str, variant: str, cred: dict[str, str]) -> dict[str, str]:
    if variant == "no-credentials":
        return {}
    if variant == "wrong-password":
        return {"Authorization": basic_header(cred["username"], _fake(len(cred["password"])))}
    if variant == "core-token":
        _credential(session, env, "partner")
        return {"Authorization": f"Bearer {session.token(env)}"}
    other = variant.removesuffix("-credentials")
    other_cred = _credential(session, env, session.default_role(other))
    return {"Authorization": basic_header(other_cred["username"], other_cred["password"])}


def _refusal_documented(response: httpx.Response, session: TargetSession, op: Operation) -> None:
    bundled = session.documents[op.api].bundled
    auth.error_body_documented(response, bundled, op)


# -- tests -----------------------------------------------------------------------------------------------
@pytest.mark.rule(
    "client credentials are enforced: missing, partial, malformed, unknown or wrong -> 401 "
    "with a Client-ID-Enforcement challenge and the documented body, never echoing the secret",
    auth.MULESOFT + "; " + auth.RFC9110_401,
)
def test_client_credentials_refused(
    target_session: TargetSession, api: str, env: Environment, operation: Operation, variant: str
) -> None:
    cred = _credential(target_session, env, target_session.default_role(api))
    headers = _client_pair(target_session, api, variant, cred)
    response = _send(target_session, env, operation, headers)
    if variant == "wrong-secret":
        auth.wrong_secret_is_refused(response, operation)
    elif variant in ("malformed-values", "unknown-id"):
        auth.invalid_credentials_are_refused(response, operation, variant.replace("-", " "))
    else:
        auth.missing_credentials_are_refused(response, operation, variant.replace("-", " "))
    bundled = target_session.documents[api].bundled
    auth.challenge_header_present(response, bundled, operation)
    auth.error_body_documented(response, bundled, operation)
    sent = [cred["client_secret"], *(v for k, v in headers.items() if "secret" in k.lower())]
    auth.secret_not_echoed(response, sent, operation)


@pytest.mark.rule(
    "an application without a contract for the API is refused with 403 (Auth-001)",
    '000_2f66a903044d6bbc.txt: "You must register your application with each Chorus API"',
)
def test_role_without_contract_forbidden(
    target_session: TargetSession, api: str, env: Environment, operation: Operation, variant: str
) -> None:
    headers = target_session.auth_headers(env, api, _role(target_session, env, variant))
    response = _send(target_session, env, operation, headers)
    auth.no_contract_is_forbidden(response, operation)
    _refusal_documented(response, target_session, operation)


def _role(session: TargetSession, env: Environment, role: str) -> str:
    _credential(session, env, role)
    return role


@pytest.mark.rule(
    "Core refuses a missing, garbage or revoked token: 401 with a Bearer challenge "
    "(invalid_token; no error code when no token was sent)",
    auth.RFC6750_31,
)
def test_bearer_token_refused(
    target_session: TargetSession, api: str, env: Environment, operation: Operation, variant: str
) -> None:
    headers = _bearer(target_session, env, variant)
    response = _send(target_session, env, operation, headers)
    bundled = target_session.documents[api].bundled
    if variant == "no-token":
        auth.missing_credentials_are_refused(response, operation, "a request without a token")
        auth.bearer_challenge_without_error_code(response, bundled, operation)
    else:
        auth.invalid_token_is_refused(response, bundled, operation, f"a {variant.replace('-', ' ')}")
    auth.error_body_documented(response, bundled, operation)


@pytest.mark.rule(
    "a token without the operation's scope is 403 insufficient_scope",
    '002_21c12c8c54fabbce.txt: "the specific requests are limited by the scopes associated with '
    'the OAuth token"; RFC 6750 3.1',
)
def test_insufficient_scope_forbidden(
    target_session: TargetSession, api: str, env: Environment, operation: Operation, variant: str
) -> None:
    _credential(target_session, env, "partner")
    scope = variant.removeprefix("scope-")
    headers = {"Authorization": f"Bearer {target_session.token(env, [scope])}"}
    response = _send(target_session, env, operation, headers)
    bundled = target_session.documents[api].bundled
    auth.insufficient_scope_is_forbidden(response, bundled, operation, scope)
    auth.error_body_documented(response, bundled, operation)


@pytest.mark.rule(
    "a wrong partner password at the token endpoint is 401 invalid_client",
    'RFC 6749 5.2; vendor-facts.md (CarrierX): "401 bad credentials"',
)
def test_wrong_partner_password_refused(
    target_session: TargetSession, api: str, env: Environment, operation: Operation, variant: str
) -> None:
    cred = _credential(target_session, env, variant)
    response = target_session.request_token(env, variant, password=_fake(len(cred["password"])))
    auth.wrong_partner_password_is_refused(response, operation)
    bundled = target_session.documents[api].bundled
    auth.challenge_header_present(response, bundled, operation, required=False)
    auth.error_body_documented(response, bundled, operation)
    auth.secret_not_echoed(response, [cred["password"]], operation)


@pytest.mark.rule("token responses carry Cache-Control: no-store", auth.RFC6749_51)
def test_token_response_not_cacheable(
    target_session: TargetSession, api: str, env: Environment, operation: Operation, variant: str
) -> None:
    _credential(target_session, env, variant)
    response = target_session.request_token(env, variant)
    auth.token_response_not_cacheable(response, operation)


@pytest.mark.rule(
    "endpoint APIs take only their own Basic login: none, a wrong password, a Core token or "
    "another endpoint API's login -> 401 with a Basic realm challenge",
    auth.SEED_002_CORE_TOKEN + '; RFC 7617 2: "realm ... REQUIRED"',
)
def test_basic_credentials_refused(
    target_session: TargetSession, api: str, env: Environment, operation: Operation, variant: str
) -> None:
    cred = _credential(target_session, env, target_session.default_role(api))
    headers = _basic(target_session, env, api, variant, cred)
    response = _send(target_session, env, operation, headers)
    bundled = target_session.documents[api].bundled
    if variant == "core-token":
        auth.core_token_refused_on_endpoint_api(response, bundled, operation)
    elif variant == "no-credentials":
        auth.missing_credentials_are_refused(response, operation, "a request without credentials")
    else:
        auth.invalid_credentials_are_refused(response, operation, variant.replace("-", " "))
    auth.basic_challenge_has_realm(response, bundled, operation)
    auth.error_body_documented(response, bundled, operation)
    auth.secret_not_echoed(response, [cred["password"]], operation)


@pytest.mark.rule(
    "positive control: the role's valid credentials are not refused (401/403)",
    "the operation's security requirement; without it every refusal above proves nothing",
)
def test_valid_credentials_accepted(
    target_session: TargetSession, api: str, env: Environment, operation: Operation, variant: str
) -> None:
    _credential(target_session, env, variant)
    headers = target_session.auth_headers(env, api, variant)
    response = _send(target_session, env, operation, headers)
    auth.valid_credentials_are_accepted(response, operation, variant)
