"""The token host: OAuth 2.0 client_credentials (RFC 6749 4.4) with client_secret_basic or client_secret_post.

The sandbox issues CarrierX password-grant tokens on the API host itself; this vendor runs a separate
authorization server, per environment under ``/{env}/oauth2/token``, and the API hosts look tokens up in the
shared ``TokenRegistry`` (an in-process stand-in for introspection). A token is bound to its environment.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote_plus

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.altvendor.control import Control
from tests.altvendor.responses import EXCEPTION_HANDLERS, Refused, json_response, media_type, oauth_error

SCOPES = ("endpoints.read", "endpoints.manage", "oauth.manage")
DEFAULT_SCOPE = ("endpoints.read",)  # RFC 6749 3.3 lets the server pick a default; the sandbox grants all
TOKEN_CHALLENGE = 'Basic realm="altvendor-oauth", charset="UTF-8"'


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str


@dataclass
class Token:
    token_sid: str
    access_token: str
    env: str
    client_id: str
    scopes: tuple[str, ...]
    issued: float
    expires: float
    revoked: bool = False


class TokenRegistry:
    """Every token of every environment; guarded by the control lock (one lock, no ordering to get wrong)."""

    def __init__(self, control: Control) -> None:
        self.control = control
        self._tokens: dict[str, Token] = {}

    def issue(self, env: str, client_id: str, scopes: tuple[str, ...]) -> Token:
        now = self.control.now()
        token = Token(
            token_sid=str(uuid.uuid4()),
            access_token=secrets.token_urlsafe(32),
            env=env,
            client_id=client_id,
            scopes=scopes,
            issued=now,
            expires=now + self.control.token_lifetime_s,
        )
        with self.control.lock:
            self._tokens[token.access_token] = token
        return token

    def find(self, access_token: str) -> Token | None:
        with self.control.lock:
            return self._tokens.get(access_token)

    def revoke(self, env: str, client_id: str, token_sid: str) -> bool:
        """False for a sid this client does not own here, or one already revoked (then it no longer exists)."""
        with self.control.lock:
            for token in self._tokens.values():
                if token.token_sid == token_sid and token.env == env and token.client_id == client_id:
                    if token.revoked:
                        return False
                    token.revoked = True
                    return True
        return False


def _form(request: Request, raw: bytes) -> dict[str, str]:
    if media_type(request) != "application/x-www-form-urlencoded":
        raise Refused(oauth_error(400, "invalid_request", "send the parameters as application/x-www-form-urlencoded"))
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refused(oauth_error(400, "invalid_request", "the form body cannot be decoded")) from exc
    if any(len(values) > 1 for values in fields.values()):
        raise Refused(oauth_error(400, "invalid_request", "a parameter was sent more than once (RFC 6749 3.2)"))
    return {key: values[0] for key, values in fields.items()}


def _basic(header: str | None) -> tuple[str, str] | None:
    """RFC 6749 2.3.1: Basic with the form-encoded id and secret; a malformed header is a failed login."""
    if header is None or header[:6].lower() != "basic ":
        return None
    try:
        user, sep, password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    return (unquote_plus(user), unquote_plus(password)) if sep else ("", "")


def _same(sent: str, expected: str) -> bool:
    return secrets.compare_digest(sent.encode(), expected.encode())


def _authenticate_client(control: Control, client: Client, request: Request, form: dict[str, str]) -> None:
    """Client authentication comes before grant checks: an anonymous caller learns nothing about grants."""
    basic = _basic(request.headers.get("authorization"))
    if basic is not None and "client_secret" in form:
        raise Refused(oauth_error(400, "invalid_request", "use one client authentication method (RFC 6749 2.3)"))
    if basic is not None:
        sent_id = form.get("client_id", basic[0])
        ok = _same(sent_id, basic[0]) and _same(basic[0], client.client_id) and _same(basic[1], client.client_secret)
    else:
        sent_id, sent_secret = form.get("client_id", ""), form.get("client_secret", "")
        ok = _same(sent_id, client.client_id) and (
            _same(sent_secret, client.client_secret) or control.has("post-auth-secret-unchecked")
        )
    if not ok:
        # RFC 9110 11.6.1: every 401 carries a challenge, also when the client tried client_secret_post.
        challenge = {"WWW-Authenticate": TOKEN_CHALLENGE}
        raise Refused(oauth_error(401, "invalid_client", "client authentication failed", challenge))


def _scopes(form: dict[str, str]) -> tuple[str, ...]:
    if "scope" not in form:
        return DEFAULT_SCOPE
    requested = tuple(dict.fromkeys(form["scope"].split(" ")))
    if not requested or any(s not in SCOPES for s in requested):
        raise Refused(oauth_error(400, "invalid_scope", f"scopes are a space-separated subset of {' '.join(SCOPES)}"))
    return requested


def token_app(control: Control, registry: TokenRegistry, clients: dict[str, Client]) -> Starlette:
    """The authorization server of every environment; ``clients`` maps environment -> its one Core client."""

    async def issue(request: Request) -> Response:
        env = request.path_params["env"]
        if env not in clients:
            raise Refused(oauth_error(404, "invalid_request", "no such environment"))
        form = _form(request, await request.body())
        _authenticate_client(control, clients[env], request, form)
        grant = form.get("grant_type")
        if not grant:
            raise Refused(oauth_error(400, "invalid_request", "grant_type is required"))
        if grant != "client_credentials":
            raise Refused(oauth_error(400, "unsupported_grant_type", "only client_credentials is supported"))
        token = registry.issue(env, clients[env].client_id, _scopes(form))
        body = {
            "access_token": token.access_token,
            "token_type": "bearer",
            "expires_in": int(token.expires - token.issued),
            "scope": " ".join(token.scopes),
            "token_sid": token.token_sid,
            "issued_at": int(token.issued),
        }
        # RFC 6749 5.1 names Pragma too; RFC 9111 retired it, so only Cache-Control (the sandbox sends both).
        return json_response(body, headers={"Cache-Control": "no-store"})

    routes = [Route("/{env}/oauth2/token", issue, methods=["POST"])]
    return Starlette(routes=routes, exception_handlers=EXCEPTION_HANDLERS)
