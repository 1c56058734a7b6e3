"""Authentication: the failure matrix of every protected operation, per security scheme kind, plus a control.

Schemathesis' ``ignored_auth`` never probes ``oauth2`` and never sends a valid id with a wrong secret
(schemathesis-notes.md); nearly-right credentials, scopes, another API's token and echoed secrets are
checked by nothing built in. This suite sends exactly those requests, with names, places and flows taken
from the contract's security schemes and the target's configuration. Rule logic: ``apiconform.checks.auth``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from apiconform.checks import auth
from apiconform.checks.failures import Category, ContractViolation
from apiconform.checks.samples import Request, sample_request, send_sample
from apiconform.config.model import Environment
from apiconform.contracts.security import ApiKey
from apiconform.parametrize import MatrixCase, covering, documents_status, has_id_secret_pair, parametrize_cases
from apiconform.plugin import get_session
from apiconform.reporting.redaction import register_secret
from apiconform.targets.credentials import Presented, basic_header, bearer, field_of, place
from apiconform.targets.session import Operation, TargetSession

pytestmark = pytest.mark.concern("auth")

NEAR_MISSES = ("secret-one-char-changed", "secret-truncated", "secret-extended", "other-environment-secret")
PAIR_VARIANTS = (
    "no-credentials",
    "id-only",
    "secret-only",
    "empty-values",
    "malformed-values",
    "unknown-id",
    "wrong-secret",
    *NEAR_MISSES,
)
LONE_KEY_VARIANTS = ("no-credentials", "empty-values", "malformed-values", "wrong-secret", *NEAR_MISSES)
TOKEN_VARIANTS = ("no-token", "garbage-token", "token-one-char-changed", "token-truncated")
TOKEN_ENDPOINT_VARIANTS = ("wrong-secret", "secret-one-char-changed", "other-environment-secret")
# A client secret presented the other way than the target uses: a server must refuse a wrong secret however it
# arrives (one that checks only the Authorization header lets a wrong secret in the body through).
OTHER_CLIENT_AUTH = {"client_secret_basic": "client_secret_post", "client_secret_post": "client_secret_basic"}
_SAMPLES: dict[tuple[Environment, str, str], Request] = {}


# -- collection ------------------------------------------------------------------------------------------
def _protected(session: TargetSession, api: str, purpose: str | None = "main") -> Iterator[tuple[str, Operation]]:
    """(environment, operation) of every protected operation, in environments where the purpose is served."""
    for op in session.operations(api):
        if op.protected:
            for env in session.environments(api, purpose):
                yield env, op


def _apis(session: TargetSession, *kinds: str) -> list[str]:
    return [api for api in session.target.apis() if session.kind(api) in kinds]


def _api_key_variants(session: TargetSession, api: str) -> tuple[str, ...]:
    security = session.security(api)
    return PAIR_VARIANTS if security is not None and security.id_key is not None else LONE_KEY_VARIANTS


def _token_variants(session: TargetSession, api: str) -> tuple[str, ...]:
    revocable = session.find(api, lambda op: op.token_role == "revoke") is not None
    expiring = session.target.settings(api).token.expiry_wait_seconds > 0
    return (*TOKEN_VARIANTS, *(["revoked-token"] if revocable else []), *(["expired-token"] if expiring else []))


def _basic_variants(session: TargetSession, api: str) -> tuple[str, ...]:
    others = [f"login-of-{other}" for other in _apis(session, "basic") if other != api]
    tokens = [f"token-of-{other}" for other in _apis(session, "oauth2", "bearer")]
    return ("no-credentials", "wrong-password", "password-one-char-changed", *tokens, *others)


def _scope_cases(session: TargetSession) -> Iterator[tuple[Any, ...]]:
    """OAuth2 operations with scopes, each with a documented scope that none of its alternatives accepts."""
    for api in _apis(session, "oauth2"):
        declared = (session.security(api) or _none()).scopes
        for env, op in _protected(session, api):
            accepted = {scope for alternative in op.scopes for scope in alternative}
            foreign = [scope for scope in declared if scope not in accepted]
            if op.scopes and foreign:
                yield api, env, op, f"scope-{foreign[0]}"


def _none() -> Any:
    raise LookupError("an OAuth2 API without its security")


def _other_client_auth(session: TargetSession, env: Environment, api: str) -> tuple[str, ...]:
    """The wrong-secret variant sent with the client authentication method the target does not use (only
    where the main credential authenticates a client: a password grant without a client has none)."""
    role = session.role_for(env, api)
    if role is None or "client_secret" not in (session.credential(env, role) or {}):
        return ()
    used = session.target.settings(api).token.client_auth or "client_secret_basic"
    other = OTHER_CLIENT_AUTH.get(used)
    return (f"wrong-secret-by-{other.removeprefix('client_secret_')}",) if other else ()


def _no_contract_cases(session: TargetSession) -> Iterator[tuple[Any, ...]]:
    """Every protected operation of an API of applications with access contracts (an id + secret pair that
    documents a 403) where a no-contract credential is configured; else one case that skips and says so."""
    for api in session.target.apis():
        if not (has_id_secret_pair(session, api) and documents_status(session, api, "403")):
            continue
        for env in session.environments(api, None):
            role = session.role_for(env, api, "no_contract")
            ops = [op for op in session.operations(api) if op.protected]
            for op in ops if role else ops[:1]:
                yield api, env, op, role or "missing"


def _cases(session: TargetSession, name: str) -> list[tuple[Any, ...]]:
    apis = session.target.apis()
    if name == "test_api_key_credentials_refused":
        return [
            (a, e, o, v)
            for a in _apis(session, "api_key")
            for e, o in _protected(session, a)
            for v in _api_key_variants(session, a)
        ]
    if name == "test_role_without_contract_forbidden":
        return list(_no_contract_cases(session))
    if name == "test_bearer_token_refused":
        return [
            (a, e, o, v)
            for a in _apis(session, "oauth2", "bearer")
            for e, o in _protected(session, a)
            for v in _token_variants(session, a)
        ]
    if name == "test_insufficient_scope_forbidden":
        return list(_scope_cases(session))
    if name == "test_wrong_token_credentials_refused":
        return [
            (a, e, session.token_operation(a), v)
            for a in _apis(session, "oauth2")
            for e in session.environments(a)
            for v in (*TOKEN_ENDPOINT_VARIANTS, *_other_client_auth(session, e, a))
        ]
    if name == "test_token_response_not_cacheable":
        return [
            (a, e, session.token_operation(a), "main")
            for a in _apis(session, "oauth2")
            for e in session.environments(a)
        ]
    if name == "test_basic_credentials_refused":
        return [
            (a, e, o, v)
            for a in _apis(session, "basic")
            for e, o in _protected(session, a)
            for v in _basic_variants(session, a)
        ]
    if name == "test_valid_credentials_accepted":
        return [(a, e, o, "main") for a in apis for e, o in _protected(session, a)]
    raise LookupError(name)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" not in metafunc.fixturenames:
        return
    session = get_session(metafunc.config)
    cases = covering(
        [MatrixCase(*c) for c in _cases(session, metafunc.function.__name__)], full=session.profile.full_matrix
    )
    parametrize_cases(metafunc, cases, [f"{a}:{o.operation_id}:{e}:{v}" for a, e, o, v in cases])


# -- helpers ---------------------------------------------------------------------------------------------
def _main(session: TargetSession, env: Environment, api: str) -> tuple[str, dict[str, str]]:
    role = session.require_role(env, api)
    credential = session.credential(env, role)
    assert credential is not None  # require_role only returns roles whose credential is complete
    return role, credential


def _sample(session: TargetSession, env: Environment, op: Operation) -> Request:
    key = (env, op.api, op.operation_id)
    if key not in _SAMPLES:
        _SAMPLES[key] = sample_request(session, env, op)
    return _SAMPLES[key]


def _send(session: TargetSession, env: Environment, op: Operation, presented: Presented) -> httpx.Response:
    response: httpx.Response = send_sample(session, env, op, presented, _sample(session, env, op))
    return response


def _fake(length: int = 32) -> str:
    """A random credential value nobody issued; registered so reports mask it like a real one."""
    value = secrets.token_urlsafe(max(length, 8))[: max(length, 8)]
    register_secret(value)
    return value


def near_miss(value: str, variant: str) -> str:
    """A value one small edit away from a valid one: the kind a prefix or case-folding comparison accepts."""
    if variant.endswith("truncated"):
        edited = value[:-1]
    elif variant.endswith("extended"):
        edited = value + ("x" if not value.endswith("x") else "y")
    else:
        edited = value[:-1] + ("A" if value[-1:] != "A" else "B")
    register_secret(edited)
    return edited


def _value(credential: dict[str, str], key: ApiKey) -> str:
    return credential[field_of(key, credential, "main")]


def _other_environment(session: TargetSession, env: Environment, api: str, field: str) -> str:
    """The same field of the main credential of the other environment (a valid id with the other's secret)."""
    for other in session.environments(api):
        if other != env:
            credential = session.credential(other, session.require_role(other, api)) or {}
            if credential.get(field):
                return credential[field]
    pytest.skip(f"{api} has no other environment with a main credential: configure both to check this")


def _api_key_presented(session: TargetSession, env: Environment, api: str, variant: str) -> Presented:
    security = session.security(api)
    assert security is not None
    _, cred = _main(session, env, api)
    secret_key, id_key = security.secret_key, security.id_key
    assert secret_key is not None
    secret = _value(cred, secret_key)
    values: dict[ApiKey, str] = {k: _value(cred, k) for k in security.api_keys}
    if variant == "no-credentials":
        values = {}
    elif variant == "id-only" and id_key is not None:
        values = {id_key: _value(cred, id_key)}
    elif variant == "secret-only":
        values = {secret_key: secret}
    elif variant == "empty-values":
        values = {k: "" for k in security.api_keys}
    elif variant == "malformed-values":
        values = {k: "' OR '1'='1' --" if k is id_key else "*" * 1024 for k in security.api_keys}
    elif variant == "unknown-id" and id_key is not None:
        values = {id_key: _fake(len(_value(cred, id_key))), secret_key: _fake(len(secret))}
    elif variant == "wrong-secret":
        values[secret_key] = _fake(len(secret))
    elif variant == "other-environment-secret":
        values[secret_key] = _other_environment(session, env, api, field_of(secret_key, cred, "main"))
    else:
        values[secret_key] = near_miss(secret, variant)
    return place(values)


def _token_presented(session: TargetSession, env: Environment, api: str, variant: str) -> Presented:
    if variant == "no-token":
        return Presented()
    if variant == "garbage-token":
        return bearer(_fake(43))
    if variant == "revoked-token":
        return bearer(_revoked_token(session, env, api))
    if variant == "expired-token":
        return bearer(_expired_token(session, env, api))
    valid = session.present(env, api).headers["Authorization"].removeprefix("Bearer ")
    return bearer(near_miss(valid, variant))


_EXPIRED: dict[tuple[str, str], str] = {}


def _expired_token(session: TargetSession, env: Environment, api: str) -> str:
    """A fresh token waited out once per environment and API (its ``expires_in``, at most the target's
    ``expiry_wait_seconds``), then reused by every operation's test."""
    if (env, api) not in _EXPIRED:
        role, _ = _main(session, env, api)
        issued = session.tokens.issue(env, api, role)
        wait = session.target.settings(api).token.expiry_wait_seconds
        lifetime = issued.body.get("expires_in") if isinstance(issued.body, dict) else None
        if not isinstance(lifetime, int | float) or lifetime > wait:
            pytest.skip(
                f"{api} tokens live {lifetime!r} s, longer than expiry_wait_seconds = {wait:g}; use a short-lived "
                f"test credential or raise [targets.{session.target.name}.apis.{api}.token] expiry_wait_seconds"
            )
        time.sleep(float(lifetime) + 1.0)
        _EXPIRED[(env, api)] = issued.access_token
    return _EXPIRED[(env, api)]


def _article(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _revoked_token(session: TargetSession, env: Environment, api: str) -> str:
    """A fresh token revoked with the contract's revoke operation by a token holding its scope (RFC 7009)."""
    revoke = session.find(api, lambda op: op.token_role == "revoke")
    assert revoke is not None
    role, _ = _main(session, env, api)
    issued = session.tokens.issue(env, api, role)
    token_id = revoke.raw.get("x-apiconform-token-id") or {}
    sid = issued.body.get(str(token_id.get("field", "")))
    if not sid:
        pytest.skip(f"{api}'s token response has no {token_id.get('field')!r} for the revoke operation")
    manager = session.present(env, api, role, revoke.scopes[0] if revoke.scopes else None, fresh=True)
    answer = session.send(env, revoke, manager, path_parameters={str(token_id.get("parameter")): sid})
    if not answer.is_success:
        raise ContractViolation(
            Category.AUTH,
            "revoked_token_is_refused",
            "revoking a token failed",
            received=answer.status_code,
            documented=", ".join(c for c in revoke.raw.get("responses", {}) if c.startswith("2")),
            operation=revoke.label,
            source=str(revoke.raw.get("x-source", "the revoke operation"))[:300],
        )
    return issued.access_token


def _basic_presented(session: TargetSession, env: Environment, api: str, variant: str) -> Presented:
    _, cred = _main(session, env, api)
    if variant == "no-credentials":
        return Presented()
    if variant == "wrong-password":
        return Presented(headers={"Authorization": basic_header(cred["username"], _fake(len(cred["password"])))})
    if variant == "password-one-char-changed":
        return Presented(
            headers={"Authorization": basic_header(cred["username"], near_miss(cred["password"], variant))}
        )
    if variant.startswith("token-of-"):
        other = variant.removeprefix("token-of-")
        return session.present(env, other)
    other = variant.removeprefix("login-of-")
    return session.present(env, other)


def _sent_secret(presented: Presented, key: ApiKey) -> list[str]:
    """The secret value a request carried under the secret key's name (header, query or cookie)."""
    sent = {k.lower(): v for k, v in presented.headers.items()} | presented.query
    value = sent.get(key.name.lower()) or sent.get(key.name)
    return [value] if value else []


# -- tests -----------------------------------------------------------------------------------------------
@pytest.mark.requests(1)
@pytest.mark.rule(
    "API keys are enforced: missing, partial, malformed, unknown, wrong or nearly-right -> 401 with a "
    "challenge and the documented body, never echoing the secret",
    auth.RFC9110_401_MEANING + "; " + auth.RFC9110_401,
)
def test_api_key_credentials_refused(target_session: TargetSession, case: MatrixCase) -> None:
    api, env, operation, variant = case
    presented = _api_key_presented(target_session, env, api, variant)
    response = _send(target_session, env, operation, presented)
    what = variant.replace("-", " ")
    if variant in ("wrong-secret", *NEAR_MISSES):
        auth.wrong_secret_is_refused(response, operation, f"a valid id with a {what}")
    elif variant in ("malformed-values", "unknown-id"):
        auth.invalid_credentials_are_refused(response, operation, what)
    else:
        auth.missing_credentials_are_refused(response, operation, what)
    bundled = target_session.documents[api].bundled
    auth.challenge_header_present(response, bundled, operation)
    auth.error_body_documented(response, bundled, operation)
    _, cred = _main(target_session, env, api)
    secret_key = (target_session.security(api) or _none()).secret_key
    assert secret_key is not None
    sent = [_value(cred, secret_key), *_sent_secret(presented, secret_key)]
    auth.secret_not_echoed(response, sent, operation)


@pytest.mark.requests(1)
@pytest.mark.rule(
    "an application without an access contract for the API is refused with the documented 403",
    "RFC 9110 15.5.4; the operation's documented 403 (its x-source)",
)
def test_role_without_contract_forbidden(target_session: TargetSession, case: MatrixCase) -> None:
    api, env, operation, variant = case
    if variant == "missing":
        target_session.require_role(env, api, "no_contract")
    response = _send(target_session, env, operation, target_session.present(env, api, variant))
    auth.no_contract_is_forbidden(response, operation)
    auth.error_body_documented(response, target_session.documents[api].bundled, operation)


@pytest.mark.requests(1)
@pytest.mark.rule(
    "a missing, garbage, nearly-right, revoked or expired token is refused: 401 with a Bearer challenge "
    "(invalid_token; no error code when no token was sent)",
    auth.RFC6750_31,
)
def test_bearer_token_refused(target_session: TargetSession, case: MatrixCase) -> None:
    api, env, operation, variant = case
    response = _send(target_session, env, operation, _token_presented(target_session, env, api, variant))
    bundled = target_session.documents[api].bundled
    if variant == "no-token":
        auth.missing_credentials_are_refused(response, operation, "a request without a token")
        auth.bearer_challenge_without_error_code(response, bundled, operation)
    else:
        auth.invalid_token_is_refused(response, bundled, operation, _article(variant.replace("-", " ")))
    auth.error_body_documented(response, bundled, operation)


@pytest.mark.requests(2)
@pytest.mark.rule(
    "a token without the operation's scope is 403 insufficient_scope",
    'RFC 6750 3.1: "insufficient_scope ... 403"; the operation\'s security requirement (scopes)',
)
def test_insufficient_scope_forbidden(target_session: TargetSession, case: MatrixCase) -> None:
    api, env, operation, variant = case
    scope = variant.removeprefix("scope-")
    limited = target_session.role_for(env, api, "missing_scope")
    granted = target_session.target.environments[env].role(limited).scopes if limited else None
    if limited and granted is not None and not set(granted) & {s for alt in operation.scopes for s in alt}:
        presented = target_session.present(env, api, limited, list(granted), fresh=True)
        scope = " ".join(granted) or "(none)"
    else:
        presented = target_session.present(env, api, None, [scope], fresh=True)
    response = _send(target_session, env, operation, presented)
    bundled = target_session.documents[api].bundled
    auth.insufficient_scope_is_forbidden(response, bundled, operation, scope)
    auth.error_body_documented(response, bundled, operation)


@pytest.mark.requests(1)
@pytest.mark.rule(
    "a wrong or nearly-right secret at the token endpoint is refused (invalid_client / invalid_grant) "
    "and issues no token",
    auth.RFC6749_52,
)
def test_wrong_token_credentials_refused(target_session: TargetSession, case: MatrixCase) -> None:
    api, env, operation, variant = case
    role, cred = _main(target_session, env, api)
    field = "password" if target_session.tokens.flow(api, cred).grant == "password" else "client_secret"
    if field not in cred:
        pytest.skip(f"credential {role!r} has no {field}: nothing secret to get wrong")
    method = "client_secret_" + variant.removeprefix("wrong-secret-by-") if "-by-" in variant else None
    if variant.startswith("wrong-secret"):
        wrong = _fake(len(cred[field]))
    elif variant == "other-environment-secret":
        wrong = _other_environment(target_session, env, api, field)
    else:
        wrong = near_miss(cred[field], variant)
    response = target_session.tokens.request(env, api, role, override={field: wrong}, client_auth=method)
    if method is not None:  # a method the vendor may not support: only "no token for a wrong secret" is certain
        auth.no_token_for_a_wrong_secret(response, operation, f"a wrong secret by {method}")
        auth.secret_not_echoed(response, [cred[field], wrong], operation)
        return
    basic_auth = "authorization" in {k.lower() for k in response.request.headers}
    auth.wrong_token_credentials_refused(response, operation, f"a {variant.replace('-', ' ')}", basic_auth)
    bundled = target_session.documents[api].bundled
    auth.challenge_header_present(response, bundled, operation, required=basic_auth)
    auth.error_body_documented(response, bundled, operation)
    auth.secret_not_echoed(response, [cred[field], wrong], operation)


@pytest.mark.requests(1)
@pytest.mark.rule("token responses carry Cache-Control: no-store", auth.RFC6749_51)
def test_token_response_not_cacheable(target_session: TargetSession, case: MatrixCase) -> None:
    api, env, operation = case.api, case.env, case.operation
    role, _ = _main(target_session, env, api)
    auth.token_response_not_cacheable(target_session.tokens.request(env, api, role), operation)


@pytest.mark.requests(1)
@pytest.mark.rule(
    "Basic APIs take only their own login: none, a wrong or nearly-right password, another API's token or "
    "another API's login -> 401 with a Basic realm challenge",
    'RFC 7617 2: "realm ... REQUIRED"; the operation\'s documented 401 (its x-source)',
)
def test_basic_credentials_refused(target_session: TargetSession, case: MatrixCase) -> None:
    api, env, operation, variant = case
    presented = _basic_presented(target_session, env, api, variant)
    response = _send(target_session, env, operation, presented)
    bundled = target_session.documents[api].bundled
    if variant.startswith("token-of-"):
        auth.foreign_token_refused(response, operation, f"a Bearer token of {variant.removeprefix('token-of-')}")
    elif variant == "no-credentials":
        auth.missing_credentials_are_refused(response, operation, "a request without credentials")
    else:
        auth.invalid_credentials_are_refused(response, operation, variant.replace("-", " "))
    auth.basic_challenge_has_realm(response, bundled, operation)
    auth.error_body_documented(response, bundled, operation)
    _, cred = _main(target_session, env, api)
    auth.secret_not_echoed(response, [cred["password"]], operation)


@pytest.mark.requests(1)
@pytest.mark.rule(
    "positive control: the main credential is not refused (401/403)",
    "the operation's security requirement; without it every refusal above proves nothing",
)
def test_valid_credentials_accepted(target_session: TargetSession, case: MatrixCase) -> None:
    api, env, operation = case.api, case.env, case.operation
    response = _send(target_session, env, operation, target_session.present(env, api))
    auth.valid_credentials_are_accepted(response, operation, target_session.require_role(env, api))
