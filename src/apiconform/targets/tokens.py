"""OAuth2 tokens from the contract's flows, requested the way the target says, cached and renewed.

The grant (``client_credentials`` or ``password``), the token URL and the scopes come from the contract's
``flows``; the target may override the URL per environment and choose the client authentication
(``client_secret_basic``, ``client_secret_post`` or ``none``, RFC 6749 section 2.3.1), the scope parameter
and extra parameters. Authlib encodes the request; it is sent through the target's client, so the budget,
the write guard, the redirect policy and the recording apply to token requests as to every other.

Tokens are cached per (environment, API, role, scopes) and renewed before they expire (``expires_in``, or
the expiry field the flow names) and once on a 401. A credential the token endpoint refuses is remembered:
every test that needs it stops at once with the same one-line configuration error.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import httpx
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_token_request

from apiconform.config.model import Environment
from apiconform.contracts.security import Flow, Security
from apiconform.errors import ConfigError
from apiconform.reporting.redaction import redact_url, register_basic, register_secret

if TYPE_CHECKING:
    from apiconform.targets.session import TargetSession

FORM = "application/x-www-form-urlencoded"


class CredentialRefused(ConfigError):
    """The token endpoint refused a configured credential: a configuration problem, not a contract failure."""


@dataclass(frozen=True)
class Issued:
    """A token and what the endpoint said about it (the body keeps fields such as a token id)."""

    access_token: str
    expires_at: float | None
    body: dict[str, Any]


def _expiry(body: dict[str, Any], flow: Flow) -> float | None:
    """When the token expires (monotonic clock), from ``expires_in`` or the flow's expiry field."""
    if isinstance(body.get("expires_in"), int | float):
        return time.monotonic() + float(body["expires_in"])
    if flow.expiry_field and isinstance(body.get(flow.expiry_field), str):
        try:
            moment = datetime.fromisoformat(body[flow.expiry_field].replace("Z", "+00:00"))
        except ValueError:
            return None
        return time.monotonic() + (moment.timestamp() - time.time())
    return None


class TokenProvider:
    """Issues, caches and renews tokens for one run; thread-safe (tests may run in threads)."""

    def __init__(self, session: TargetSession) -> None:
        self._session = session
        self._cache: dict[tuple[str, ...], Issued] = {}
        self._refused: dict[tuple[str, ...], CredentialRefused] = {}
        self._lock = threading.Lock()

    # -- what the contract and the target say ----------------------------------------------------------------
    def flow(self, api: str, credential: dict[str, str]) -> Flow:
        """The grant to use: the target's ``flow``, else the one the credential can feed, else the contract's only
        flow. A configured grant the contract does not list reuses its token URL and scopes: where a vendor's
        documentation is silent on the grant (or wrong), the target decides."""
        security = self._security(api)
        if not security.flows:
            raise ConfigError(f"{api}: the contract's OAuth2 scheme documents no clientCredentials or password flow")
        wanted: str | None = self._session.target.settings(api).token.flow
        if wanted is None:
            wanted = "password" if {"username", "password"} <= set(credential) else "client_credentials"
            if wanted not in security.flows and len(security.flows) == 1:
                wanted = next(iter(security.flows))
        if wanted in security.flows:
            return security.flows[wanted]
        return replace(next(iter(security.flows.values())), grant=wanted)

    def token_url(self, env: Environment, api: str, flow: Flow) -> str:
        """The target's token URL, else the flow's: relative to the API's base URL, or rebased onto it when it
        points at one of the contract's documented servers (a vendor's sandbox has the same paths elsewhere)."""
        configured = self._session.target.environments[env].token_urls.get(api)
        if configured:
            return configured
        base = self._session.base_url(env, api)
        if not urlsplit(flow.token_url).scheme:
            return urljoin(base.rstrip("/") + "/", flow.token_url.lstrip("/"))
        for server in self._session.documents[api].bundled.get("servers", []):
            documented = str(server.get("url", "")).rstrip("/")
            if documented and flow.token_url.startswith(documented):
                return base + flow.token_url[len(documented) :]
        return flow.token_url

    def _security(self, api: str) -> Security:
        security = self._session.security(api)
        if security is None or security.kind != "oauth2":
            raise ConfigError(f"{api} has no OAuth2 scheme; tokens are only requested for OAuth2 APIs")
        return security

    # -- requests --------------------------------------------------------------------------------------------
    def request(
        self,
        env: Environment,
        api: str,
        role: str,
        scopes: list[str] | None = None,
        *,
        override: dict[str, str] | None = None,
        credential_env: Environment | None = None,
        client_auth: str | None = None,
    ) -> httpx.Response:
        """One token request with ``role``'s credential of ``credential_env`` (default ``env``), sent to ``env``'s
        token endpoint; ``override`` replaces credential fields and ``client_auth`` the client authentication
        method (a wrong secret presented the other way, for the auth matrix)."""
        credential = self._session.credential(credential_env or env, role)
        if credential is None:
            raise ConfigError(f"no credential {role!r} in {credential_env or env}")
        credential = {**credential, **(override or {})}
        flow = self.flow(api, credential)
        settings = self._session.target.settings(api).token
        if scopes is None:  # a valid caller's token: the target's choice, else every scope the flow documents
            scopes = settings.scopes if settings.scopes is not None else list(flow.scopes) or None
        params: dict[str, str] = dict(settings.extra_params)
        if flow.grant == "password":
            params |= {"username": credential.get("username", ""), "password": credential.get("password", "")}
        if scopes and settings.scope_param:
            params[settings.scope_param] = " ".join(scopes)
        body = prepare_token_request(flow.grant, **params)
        client_id, client_secret = credential.get("client_id"), credential.get("client_secret")
        method = (
            client_auth or settings.client_auth or ("client_secret_basic" if client_id and client_secret else "none")
        )
        headers = {"Content-Type": FORM, "Accept": "application/json"}
        url = self.token_url(env, api, flow)
        if client_id and client_secret:
            register_basic(client_id, client_secret)  # its Basic encoding is masked wherever it is echoed
        if client_id:
            url, headers, body = ClientAuth(client_id, client_secret or "", method).prepare("POST", url, headers, body)
        response = self._session.client.request(
            "POST",
            url,
            content=body.encode() if isinstance(body, str) else body,
            headers=headers,
            production=self._session.target.environments[env].production,
            token_request=True,
        )
        self._session.observe(env, self._session.token_operation(api), response)
        return response

    def issue(self, env: Environment, api: str, role: str, scopes: list[str] | None = None) -> Issued:
        """A new token, or ``CredentialRefused`` naming the role, the environment and the answer."""
        key = (env, api, role, " ".join(scopes or []))
        if key in self._refused:
            raise self._refused[key]
        response = self.request(env, api, role, scopes)
        body = _json(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status_code != 200 or not isinstance(token, str) or not token:
            error = body.get("error") if isinstance(body, dict) else None
            if response.is_redirect:
                error = (
                    f"a redirect to {redact_url(response.headers.get('location', '?'))}, not followed: token requests "
                    "are never re-sent; set token_urls to the URL that answers"
                )
            refused = CredentialRefused(
                f"{api}: the token endpoint refused credential {role!r} of {env} "
                f"(HTTP {response.status_code}{' ' + str(error) if error else ''}); check its values and "
                f"[targets.{self._session.target.name}.apis.{api}.token] (flow, client_auth, scope_param)"
            )
            with self._lock:
                self._refused[key] = refused
            raise refused
        register_secret(token)
        flow = self.flow(api, self._session.credential(env, role) or {})
        return Issued(token, _expiry(body, flow), body)

    def token(
        self, env: Environment, api: str, role: str, scopes: list[str] | None = None, *, fresh: bool = False
    ) -> str:
        """A valid token: the cached one unless it is about to expire or ``fresh`` (expiry and revocation tests)."""
        if fresh:
            return self.issue(env, api, role, scopes).access_token
        key = (env, api, role, " ".join(scopes or []))
        margin = self._session.target.settings(api).token.renew_before_seconds
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and (cached.expires_at is None or cached.expires_at - margin > time.monotonic()):
            return cached.access_token
        issued = self.issue(env, api, role, scopes)
        with self._lock:
            self._cache[key] = issued
        return issued.access_token

    def forget(self, env: Environment, api: str, role: str, scopes: list[str] | None = None) -> None:
        """Drop a cached token (after a 401: the vendor ended it before its announced expiry)."""
        with self._lock:
            self._cache.pop((env, api, role, " ".join(scopes or [])), None)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
