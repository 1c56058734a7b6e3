"""A small typed client for the developer portal's operations (seeds 001 and 003).

Most vendors' portals are web pages; the embedded sandbox exposes its portal as an API
(``schemas/portal/portal.openapi.json``). A target offers one through ``Target.portal`` (URL plus the
developer and admin logins; ``[targets.T.portal]`` for a configured target); without one the lifecycle
suite skips and ``golive`` cannot tell whether production access is activated.

Every request goes through the session's ``TargetClient`` (budget, recording, redaction). Paths and
which login an operation needs come from the OpenAPI document, not from this module. Client secrets
returned by the portal stay ``SecretStr`` here; the client has already registered them for redaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from apiconform.config.resolve import PortalAccess
from apiconform.contracts import ApiDocument, load_api
from apiconform.errors import ApiconformError, ConfigError
from apiconform.reporting.redaction import redact_text
from apiconform.targets.session import TargetSession, basic_header

JSON = dict[str, Any]


class PortalError(ApiconformError):
    """The portal answered an operation with a status its document does not give for success."""


@dataclass(frozen=True)
class PortalApp:
    """An application as the portal shows it (``portal/app.json``); ``view`` is the raw body."""

    app_id: str
    client_id: str
    environment: str
    plan_id: str
    view: JSON


@dataclass(frozen=True)
class Registration:
    """The answer of a registration: the app and the secret, shown this once (seed 003)."""

    app: PortalApp
    client_secret: SecretStr | None
    keys: frozenset[str]


@dataclass(frozen=True)
class PortalContract:
    """An API access request (``portal/contract.json``, seed 001)."""

    contract_id: str
    app_id: str
    api: str
    environment: str
    status: str


@dataclass(frozen=True)
class UsageItem:
    """Calls of one API operation (or ``*``) in the current window vs. the plan's limit (seed 003)."""

    api: str
    operation: str
    calls: int
    limit: int
    remaining: int | None
    window_seconds: int | None


def _app(body: JSON) -> PortalApp:
    return PortalApp(
        app_id=str(body["app_id"]),
        client_id=str(body["client_id"]),
        environment=str(body["environment"]),
        plan_id=str(body["plan_id"]),
        view=body,
    )


def _contract(body: JSON) -> PortalContract:
    return PortalContract(
        contract_id=str(body["contract_id"]),
        app_id=str(body["app_id"]),
        api=str(body["api"]),
        environment=str(body["environment"]),
        status=str(body["status"]),
    )


def _usage_item(item: JSON) -> UsageItem:
    remaining, window = item.get("remaining"), item.get("window_seconds")
    return UsageItem(
        api=str(item["api"]),
        operation=str(item["operation"]),
        calls=int(item["calls"]),
        limit=int(item["limit"]),
        remaining=int(remaining) if remaining is not None else None,
        window_seconds=int(window) if window is not None else None,
    )


class PortalClient:
    """The portal operations a suite needs, each one call to the target's portal URL."""

    def __init__(self, session: TargetSession) -> None:
        if session.target.portal is None:
            raise ConfigError(f"target {session.target.name!r} has no portal API")
        self._session = session
        self._access: PortalAccess = session.target.portal
        self._document: ApiDocument = load_api(self._access.api)

    # -- plumbing ---------------------------------------------------------------------------------
    def _operation(self, step: str) -> tuple[str, str, JSON]:
        """The operation the contract marks as this lifecycle step (``x-apiconform-portal``)."""
        for method, path, op in self._document.operations():
            if op.get("x-apiconform-portal") == step:
                return method, path, op
        raise ConfigError(f"{self._document.path}: no operation marked x-apiconform-portal: {step!r}")

    def _authorization(self, op: JSON) -> str:
        schemes = self._document.bundled.get("components", {}).get("securitySchemes", {})
        admin_keys = {key for key, scheme in schemes.items() if scheme.get("x-apiconform-login") == "admin"}
        admin = any(admin_keys & set(requirement) for requirement in op.get("security", []))
        login = self._access.admin if admin else self._access.developer
        if not login:
            raise ConfigError(
                f"the portal operation {op.get('operationId')!r} needs the admin login: add "
                f'admin = {{ username = "<ENV VAR>", password = "<ENV VAR>" }} to [targets.'
                f"{self._session.target.name}.portal]"
            )
        return basic_header(login["username"].get_secret_value(), login["password"].get_secret_value())

    def call(
        self, step: str, *, path_parameters: dict[str, str] | None = None, body: JSON | None = None
    ) -> httpx.Response:
        """Send one portal operation with the login its document requires; no status check."""
        method, path, op = self._operation(step)
        for name, value in (path_parameters or {}).items():
            path = path.replace("{" + name + "}", value)
        kwargs: JSON = {"json": body} if body is not None else {}
        return self._session.client.request(
            method,
            self._access.url.rstrip("/") + path,
            production=False,
            read_only=method == "GET",
            headers={"Authorization": self._authorization(op)},
            **kwargs,
        )

    def _expect(self, step: str, status: int, **kwargs: Any) -> Any:
        """The JSON body of a call answered with the documented success status, else PortalError."""
        response = self.call(step, **kwargs)
        if response.status_code != status:
            raise PortalError(
                f"portal {step} answered HTTP {response.status_code} (documented {status}): "
                f"{redact_text(response.text)[:300]}"
            )
        return response.json()

    # -- operations -------------------------------------------------------------------------------
    def register_app(
        self, name: str, organisation: str, environment: str, plan_id: str, description: str | None = None
    ) -> Registration:
        """Register an application (201): the only answer that carries the client secret besides a reset."""
        request: JSON = {
            "name": name,
            "organisation": organisation,
            "environment": environment,
            "plan_id": plan_id,
        }
        if description is not None:
            request["description"] = description
        body = self._expect("register-app", 201, body=request)
        secret = body.get("client_secret")
        return Registration(
            app=_app({k: v for k, v in body.items() if k != "client_secret"}),
            client_secret=SecretStr(secret) if isinstance(secret, str) and secret else None,
            keys=frozenset(body),
        )

    def get_app(self, app_id: str) -> JSON:
        """Read an application (200), the raw view: the secret check needs every key the portal sent."""
        body: JSON = self._expect("get-app", 200, path_parameters={"app_id": app_id})
        return body

    def reset_secret(self, app_id: str) -> SecretStr:
        """Reset the client secret (200): the new client secret."""
        body = self._expect("reset-secret", 200, path_parameters={"app_id": app_id})
        return SecretStr(str(body["client_secret"]))

    def request_access(self, app_id: str, api: str, environment: str) -> PortalContract:
        """Request access (201): a contract, activated or pending approval by plan (seed 001)."""
        body = self._expect(
            "request-access",
            201,
            path_parameters={"app_id": app_id},
            body={"api": api, "environment": environment},
        )
        return _contract(body)

    def list_contracts(self, app_id: str) -> list[PortalContract]:
        return [_contract(c) for c in self._expect("list-contracts", 200, path_parameters={"app_id": app_id})]

    def get_contract(self, contract_id: str) -> PortalContract:
        return _contract(self._expect("get-contract", 200, path_parameters={"contract_id": contract_id}))

    def cancel_contract(self, contract_id: str) -> PortalContract:
        return _contract(self._expect("cancel-contract", 200, path_parameters={"contract_id": contract_id}))

    def approve_contract(self, contract_id: str) -> PortalContract:
        """Approve a contract (200), with the admin login."""
        return _contract(self._expect("approve-contract", 200, path_parameters={"contract_id": contract_id}))

    def switch_environment(self, app_id: str, environment: str) -> PortalApp:
        body = self._expect(
            "switch-environment", 200, path_parameters={"app_id": app_id}, body={"environment": environment}
        )
        return _app(body)

    def usage(self, app_id: str) -> list[UsageItem]:
        """Usage (200): calls in the current window per API and operation."""
        body = self._expect("get-usage", 200, path_parameters={"app_id": app_id})
        return [_usage_item(item) for item in body.get("items", [])]
