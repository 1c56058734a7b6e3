"""CarrierX Core's OAuth tokens (password grant): issuance, revocation, Bearer authentication and scopes.

Seed 002 (002_21c12c8c54fabbce.txt): "Bearer token, used by the requests to the Core API" and "the specific
requests are limited by the scopes associated with the OAuth token". The token shape follows vendor-facts.md
(CarrierX); the form rules follow RFC 6749 3.2, 3.3 and 5.1, the challenges RFC 6750 3 and RFC 6749 5.
The endpoint APIs reuse ``find_token`` and ``candidate_stores`` (a Core token there is the
``core-token-accepted-on-endpoint-api`` defect). Operations and scopes: ARCHITECTURE.md "carrierx-core".
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from apiconform.sandbox.basic_auth import bearer_token
from apiconform.sandbox.carrierx_errors import error, media_type, oauth_error, problem
from apiconform.sandbox.fixtures_carrierx import (
    REFRESH_LIFETIME_S,
    SCOPES,
    TOKEN_LIFETIME_S,
    CarrierxStore,
    Partner,
    Token,
    stores_of,
)
from apiconform.sandbox.gateway import challenge
from apiconform.sandbox.refusal import Refusal
from apiconform.sandbox.state import Environment, SandboxState, iso

BEARER = 'Bearer realm="carrierx"'
READ = ("endpoints.read", "endpoints.manage")
MANAGE = ("endpoints.manage",)
OAUTH_MANAGE = ("oauth.manage",)


# -- tokens --------------------------------------------------------------------------------------------------
def candidate_stores(state: SandboxState, env: Environment) -> list[CarrierxStore]:
    """This environment's store, and the other's when ``cross-environment-credentials`` is on (seed 000)."""
    stores = stores_of(state)
    own = [stores[env]]
    if not state.has("cross-environment-credentials"):
        return own
    return own + [store for other, store in stores.items() if other != env]


def find_token(state: SandboxState, env: Environment, access_token: str) -> Token | None:
    """A live token: known here, not revoked, not expired on the sandbox clock (the admin clock moves it)."""
    with state.lock:
        for store in candidate_stores(state, env):
            token = store.tokens.get(access_token)
            if token is not None and not token.revoked and state.now() < token.expires:
                return token
    return None


def issue_token(state: SandboxState, store: CarrierxStore, partner: Partner, scopes: tuple[str, ...]) -> Token:
    with state.lock:
        now = state.now()
        token = Token(
            token_sid=str(uuid.uuid4()),
            access_token=secrets.token_urlsafe(32),
            refresh_token=secrets.token_urlsafe(32),
            partner_sid=partner.partner_sid,
            client_id=partner.client_id,
            scopes=scopes,
            environment=store.env,
            created=now,
            expires=now + TOKEN_LIFETIME_S,
            refresh_expires=now + REFRESH_LIFETIME_S,
        )
        store.tokens[token.access_token] = token
        return token


def token_view(token: Token) -> dict[str, Any]:
    """carrierx/oauth-token.json: lower-case ``bearer``, expiry as dates, no ``expires_in`` (vendor-facts)."""
    return {
        "access_token": token.access_token,
        "client_id": token.client_id,
        "date_created": iso(token.created),
        "date_expiration_access_token": iso(token.expires),
        "date_expiration_refresh_token": iso(token.refresh_expires),
        "date_last_accessed": iso(token.last_accessed) if token.last_accessed is not None else None,
        "ip_last_accessed": token.ip_last_accessed,
        "name": token.name,
        "partner_sid": token.partner_sid,
        "refresh_token": token.refresh_token,
        "scopes": list(token.scopes),
        "token_sid": token.token_sid,
        "token_type": "bearer",
    }


def _authenticate(state: SandboxState, env: Environment, request: Request) -> Token:
    """The caller's token, or a 401 with the RFC 6750 3.1 challenge (no error code when none was sent)."""
    raw = bearer_token(request.headers.get("authorization"))
    token = find_token(state, env, raw) if raw else None
    if token is not None:
        with state.lock:
            token.last_accessed = state.now()
            token.ip_last_accessed = request.client.host if request.client else None
        return token
    if state.has("auth-ignored"):
        partner = stores_of(state)[env].partner
        now = state.now()
        return Token("", "", "", partner.partner_sid, partner.client_id, SCOPES, env, now, now + 1, now + 1)
    if raw is None:
        raise Refusal(oauth_error(401, "invalid_token", "No access token was sent.", challenge(state, BEARER)))
    header = f'{BEARER}, error="invalid_token"'
    raise Refusal(
        oauth_error(401, "invalid_token", "The access token is invalid, expired or revoked.", challenge(state, header))
    )


def authorize(state: SandboxState, env: Environment, request: Request, scopes: tuple[str, ...]) -> Token:
    """Authenticate, then require one of ``scopes`` (seed 002: "limited by the scopes"; RFC 6750 3.1 403)."""
    token = _authenticate(state, env, request)
    if set(scopes) & set(token.scopes) or state.has("scope-not-enforced"):
        return token
    needed = " ".join(scopes)
    header = f'{BEARER}, error="insufficient_scope", scope="{needed}"'
    raise Refusal(
        oauth_error(
            403,
            "insufficient_scope",
            f"The token needs the scope {' or '.join(scopes)}.",
            {"WWW-Authenticate": header},
            scope=needed,
        )
    )


# -- createToken ---------------------------------------------------------------------------------------------
def _bad_token_request(code: str, description: str) -> Refusal:
    return Refusal(oauth_error(400, code, description))


def _form(request: Request, raw: bytes) -> dict[str, str]:
    """The form fields; RFC 6749 3.2: parameters sent more than once make the request invalid."""
    if media_type(request) != "application/x-www-form-urlencoded":
        raise _bad_token_request("invalid_request", "The body must be application/x-www-form-urlencoded.")
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _bad_token_request("invalid_request", "The form body cannot be decoded.") from exc
    if any(len(values) > 1 for values in fields.values()):
        raise _bad_token_request("invalid_request", "A parameter was sent more than once.")
    return {key: values[0] for key, values in fields.items()}


def _requested_scopes(form: dict[str, str]) -> tuple[str, ...]:
    """RFC 6749 3.3: space-delimited; omitted means every scope of the partner (ARCHITECTURE.md)."""
    if "scope" not in form:
        return SCOPES
    requested = tuple(dict.fromkeys(form["scope"].split()))
    unknown = [s for s in requested if s not in SCOPES]
    if not requested or unknown:
        raise _bad_token_request("invalid_scope", f"Unknown or empty scope: {' '.join(unknown) or '(none)'}.")
    return requested


def _partner_for(state: SandboxState, env: Environment, username: str, password: str) -> Partner | None:
    """The partner whose login this is (``secret-not-checked``/``cross-environment-credentials`` widen it)."""
    with state.lock:
        for store in candidate_stores(state, env):
            partner = store.partner
            if not secrets.compare_digest(partner.username.encode(), username.encode()):
                continue
            if secrets.compare_digest(partner.password.encode(), password.encode()):
                return partner
            if state.has("secret-not-checked"):
                return partner
        return stores_of(state)[env].partner if state.has("auth-ignored") else None


async def create_token(state: SandboxState, env: Environment, request: Request) -> Response:
    form = _form(request, await request.body())
    grant = form.get("grant_type")
    if not grant:
        raise _bad_token_request("invalid_request", "grant_type is required.")
    if grant != "password":
        raise _bad_token_request("unsupported_grant_type", "Only the password grant is supported.")
    username, password = form.get("username"), form.get("password")
    if not username or not password:
        raise _bad_token_request("invalid_request", "username and password are required.")
    scopes = _requested_scopes(form)
    partner = _partner_for(state, env, username, password)
    if partner is None:
        # RFC 9110 15.5.2: a 401 carries a challenge; Basic is RFC 6749 2.3.1's client authentication scheme.
        raise Refusal(
            oauth_error(
                401,
                "invalid_client",
                "Wrong username or password.",
                challenge(state, 'Basic realm="carrierx"'),
            )
        )
    token = issue_token(state, stores_of(state)[env], partner, scopes)
    # RFC 6749 5.1: "Cache-Control: no-store" and "Pragma: no-cache" on every token response.
    headers = {} if state.has("token-response-cacheable") else {"Cache-Control": "no-store", "Pragma": "no-cache"}
    body = token_view(token)
    if state.has("token-type-drift"):
        body["token_type"] = "Bearer"  # vendor-facts.md documents lower-case "bearer"
    return JSONResponse(body, headers=headers)


def revoke_token(
    state: SandboxState, env: Environment, store: CarrierxStore, token_sid: str, request: Request
) -> Response:
    """revokeToken: 204, or 404 for a token that is not the caller's partner's (scope ``oauth.manage``)."""
    caller = authorize(state, env, request, OAUTH_MANAGE)
    with state.lock:
        found = [t for t in store.tokens.values() if t.token_sid == token_sid]
        if not found or found[0].partner_sid != caller.partner_sid:
            return error(404, "not found", [problem("token_sid", "cannot find item by SID", "not_found")])
        found[0].revoked = True
    return Response(status_code=204)
