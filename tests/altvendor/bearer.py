"""Bearer authentication and scopes on the Core API host (RFC 6750 3 and 3.1).

Challenges use ``realm="core"`` (the sandbox: ``"carrierx"``) and carry ``error_description``; refusal bodies
are RFC 9457 problems rather than OAuth JSON, since RFC 6750 puts the error code in the header only.
"""

from __future__ import annotations

import re

from starlette.requests import Request

from tests.altvendor.control import Control
from tests.altvendor.responses import Refused, problem
from tests.altvendor.tokens import Token, TokenRegistry

REALM = 'Bearer realm="core"'
READ = ("endpoints.read", "endpoints.manage")
MANAGE = ("endpoints.manage",)
OAUTH_MANAGE = ("oauth.manage",)
_BEARER = re.compile(r"bearer(?: +(\S*))?", re.IGNORECASE)


def _refuse(status: int, code: str | None, detail: str, scope: str | None = None) -> Refused:
    params = [REALM]
    if code is not None:
        params += [f'error="{code}"', f'error_description="{detail}"']
    if scope is not None:
        params.append(f'scope="{scope}"')
    return Refused(problem(status, detail, {"WWW-Authenticate": ", ".join(params)}))


def _sent_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header; another scheme counts as no token at all."""
    header = request.headers.get("authorization")
    match = _BEARER.fullmatch(header.strip()) if header else None
    if match is None:
        return None
    if not match.group(1):
        # RFC 6750 3.1: a malformed request is 400 invalid_request (the sandbox treats it as no token).
        raise _refuse(400, "invalid_request", "the Bearer credentials are empty")
    return match.group(1)


def live_token(control: Control, registry: TokenRegistry, env: str, request: Request) -> Token:
    sent = _sent_token(request)
    if sent is None:
        raise _refuse(401, None, "an access token is required")
    token = registry.find(sent)
    usable = (
        token is not None
        and token.env == env
        and (not token.revoked or control.has("revoked-token-accepted"))
        and (control.now() < token.expires or control.has("expired-token-accepted"))
    )
    if token is None or not usable:
        raise _refuse(401, "invalid_token", "the access token is unknown, expired or revoked")
    return token


def authorize(control: Control, registry: TokenRegistry, env: str, request: Request, scopes: tuple[str, ...]) -> Token:
    """A live token of this environment holding one of ``scopes``; else the RFC 6750 refusal."""
    token = live_token(control, registry, env, request)
    if not set(scopes) & set(token.scopes):
        raise _refuse(403, "insufficient_scope", f"this call needs {' or '.join(scopes)}", " ".join(scopes))
    return token
