"""The API gateway in front of the client-id APIs (AT&T, Chorus): credentials, contracts, plan limits.

Modelled on MuleSoft Client ID Enforcement (seed 000, vendor-facts.md) and an API Connect-style plan
gateway (seed 003). The defects that break credential, contract and rate-limit enforcement live here,
once, so every API behind the gateway regresses the same way a real gateway misconfiguration would.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass

from starlette.responses import JSONResponse

from apiconform.sandbox.state import Application, Environment, RateDecision, SandboxState

CLIENT_ID_CHALLENGE = "Client-ID-Enforcement"
_ACTIVE_OK = {"activated"}


class AuthFailure(enum.Enum):
    MISSING = "missing"  # 401: no credentials at all, or one of the pair absent
    INVALID = "invalid"  # 401: unknown id, wrong secret, empty, or credentials of the other environment
    NO_CONTRACT = "no_contract"  # 403: the application has no contract for this API
    CONTRACT_INACTIVE = "contract_inactive"  # 403: pending approval, cancelled, suspended...


@dataclass(frozen=True)
class ClientAuth:
    app: Application | None
    failure: AuthFailure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None and self.app is not None


def _secret_matches(state: SandboxState, app: Application, secret: str) -> bool:
    if secrets.compare_digest(app.client_secret, secret):
        return True
    if state.has("stale-secret-accepted"):
        return any(secrets.compare_digest(old, secret) for old in app.retired_secrets)
    return state.has("secret-not-checked")


def _contract_allows(state: SandboxState, app: Application, api: str, env: Environment) -> AuthFailure | None:
    statuses = {c.status for c in state.contracts_of(app) if c.api == api and c.environment == env}
    if not statuses:
        return AuthFailure.NO_CONTRACT
    allowed = set(_ACTIVE_OK)
    if state.has("pending-contract-allowed"):
        allowed.add("pending_approval")
    if state.has("cancelled-contract-allowed"):
        allowed.add("cancelled")
    return None if statuses & allowed else AuthFailure.CONTRACT_INACTIVE


def _fallback_app(state: SandboxState, api: str, env: Environment) -> Application | None:
    """The application an auth-ignoring gateway would attribute an anonymous call to."""
    with state.lock:
        for app in state.apps.values():
            if app.environment == env and app.plan_id == "standard" and _contract_allows(state, app, api, env) is None:
                return app
    return None


def authenticate_client(
    state: SandboxState, env: Environment, api: str, client_id: str | None, client_secret: str | None
) -> ClientAuth:
    """Who is calling, or why the gateway refuses the call."""
    outcome = _authenticate(state, env, api, client_id, client_secret)
    if outcome.failure is not None and state.has("auth-ignored"):
        return ClientAuth(_fallback_app(state, api, env))
    return outcome


def _authenticate(
    state: SandboxState, env: Environment, api: str, client_id: str | None, client_secret: str | None
) -> ClientAuth:
    if client_id is None or client_secret is None:
        return ClientAuth(None, AuthFailure.MISSING)
    if not client_id.strip() or not client_secret.strip():
        return ClientAuth(None, AuthFailure.INVALID)
    app = state.app_by_client_id(client_id.strip())
    if app is None or not _secret_matches(state, app, client_secret.strip()):
        return ClientAuth(None, AuthFailure.INVALID)
    if app.environment != env and not state.has("cross-environment-credentials"):
        return ClientAuth(None, AuthFailure.INVALID)
    contract_env = app.environment if state.has("cross-environment-credentials") else env
    refusal = _contract_allows(state, app, api, contract_env)
    return ClientAuth(app, refusal) if refusal else ClientAuth(app)


def challenge(state: SandboxState, value: str) -> dict[str, str]:
    """The WWW-Authenticate header of a 401 (RFC 9110 11.6.1), unless the defect drops it."""
    return {} if state.has("challenge-header-missing") else {"WWW-Authenticate": value}


def rate_limit_headers(decision: RateDecision | None) -> dict[str, str]:
    if decision is None:
        return {}
    return {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
        "X-RateLimit-Reset": str(decision.reset_ms),
    }


def gateway_error(status: int, message: str, more: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The gateway's own error body (seed 003 / vendor-facts.md), e.g. 429 'Rate Limit exceeded'."""
    body = {"httpCode": str(status), "httpMessage": message, "moreInformation": more}
    return JSONResponse(body, status_code=status, headers=headers)


def too_many_requests(decision: RateDecision) -> JSONResponse:
    headers = rate_limit_headers(decision) | {"Retry-After": str(decision.retry_after_s)}
    return gateway_error(429, "Too Many Requests", "Rate Limit exceeded", headers)


def unauthorized(state: SandboxState, more: str = "Invalid client id or secret.") -> JSONResponse:
    return gateway_error(401, "Unauthorized", more, challenge(state, CLIENT_ID_CHALLENGE))


def forbidden(failure: AuthFailure) -> JSONResponse:
    more = (
        "The application has no contract for this API."
        if failure is AuthFailure.NO_CONTRACT
        else "The application's contract for this API is not activated."
    )
    return gateway_error(403, "Forbidden", more)
