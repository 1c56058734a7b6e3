"""One run against one target: where each operation lives, how to authenticate, how to send.

Suites ask this object for "operation X of API Y in environment Z as role R" and get an HTTP response;
they never build URLs or credentials themselves, so the same suite runs against the embedded sandbox
and a vendor (whose paths may be overridden in ``apiconform.toml``).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import httpx

from apiconform.config import Target
from apiconform.config.model import Environment
from apiconform.contracts import ApiDocument, load_api
from apiconform.errors import ConfigError
from apiconform.reporting.redaction import register_basic, register_secret
from apiconform.targets.client import TargetClient
from apiconform.targets.profiles import Profile

JSON = dict[str, Any]


@dataclass(frozen=True)
class Operation:
    api: str
    operation_id: str
    method: str
    path: str
    raw: JSON

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def read_only(self) -> bool:
        """GETs, and POSTs the contract documents as pure queries (``x-read-only``), change nothing."""
        return self.method in {"GET", "HEAD", "OPTIONS"} or bool(self.raw.get("x-read-only"))

    @property
    def scopes(self) -> list[list[str]]:
        """The alternative scope sets of an OAuth2-protected operation (empty when none)."""
        return [scopes for req in self.raw.get("security", []) for scopes in req.values() if scopes]


def deref(document: JSON, node: Any) -> Any:
    """Follow a local ``$ref`` (parameters, headers, responses) to its definition."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def _resolved(document: JSON, operation: JSON, path: str) -> JSON:
    """The operation with path-level and referenced parameters, responses and headers inlined one level."""
    path_params = document.get("paths", {}).get(path, {}).get("parameters", [])
    out = dict(operation)
    out["parameters"] = [deref(document, p) for p in [*path_params, *operation.get("parameters", [])]]
    responses = {}
    for code, response in operation.get("responses", {}).items():
        response = dict(deref(document, response))
        response["headers"] = {k: deref(document, v) for k, v in response.get("headers", {}).items()}
        responses[code] = response
    out["responses"] = responses
    return out


def security_kind(document: ApiDocument) -> str:
    """client_pair (id + secret headers), bearer (OAuth2 token) or basic."""
    schemes = document.bundled.get("components", {}).get("securitySchemes", {})
    kinds = {s.get("type") for s in schemes.values()}
    if "oauth2" in kinds:
        return "bearer"
    if "apiKey" in kinds:
        return "client_pair"
    if any(s.get("scheme") == "basic" for s in schemes.values()):
        return "basic"
    raise ConfigError(f"{document.path}: no supported security scheme")


def client_headers(document: ApiDocument) -> tuple[str, str]:
    """The header names of the client id and the client secret, as the contract declares them."""
    names = [s["name"] for s in document.bundled["components"]["securitySchemes"].values() if s.get("type") == "apiKey"]
    id_name = next(n for n in names if "secret" not in n.lower())
    secret_name = next(n for n in names if "secret" in n.lower())
    return id_name, secret_name


DEFAULT_ROLES = {"client_pair": "primary", "bearer": "partner"}


def basic_header(username: str, password: str) -> str:
    register_basic(username, password)
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


class TargetSession:
    def __init__(self, target: Target, client: TargetClient, profile: Profile) -> None:
        self.target = target
        self.client = client
        self.profile = profile

    @cached_property
    def documents(self) -> dict[str, ApiDocument]:
        return {api: load_api(api) for api in self.target.apis()}

    def operations(self, api: str) -> list[Operation]:
        overrides = self.target.path_overrides.get(api, {})
        document = self.documents[api].bundled
        return [
            Operation(
                api,
                op["operationId"],
                method,
                overrides.get(op["operationId"], path),
                _resolved(document, op, path),
            )
            for method, path, op in self.documents[api].operations()
        ]

    def operation(self, api: str, operation_id: str) -> Operation:
        for op in self.operations(api):
            if op.operation_id == operation_id:
                return op
        raise ConfigError(f"{api} has no operation {operation_id!r}")

    def kind(self, api: str) -> str:
        return security_kind(self.documents[api])

    def default_role(self, api: str) -> str:
        kind = self.kind(api)
        return DEFAULT_ROLES.get(kind, api.rsplit("-", 1)[-1])

    def environments(self, api: str, role: str | None = None) -> list[Environment]:
        """Environments where the API has a base URL and (if asked) the role's credentials."""
        out: list[Environment] = []
        for name, env in self.target.environments.items():
            if api in env.base_urls and (role is None or env.credential(role) is not None):
                out.append(name)
        return out

    def base_url(self, env: Environment, api: str) -> str:
        return self.target.environments[env].base_urls[api]

    def known_inputs(self, env: Environment, api: str, operation_id: str) -> list[JSON]:
        return list(self.target.known_inputs.get(env, {}).get(api, {}).get(operation_id, []))

    def credential(self, env: Environment, role: str) -> dict[str, str] | None:
        return self.target.environments[env].credential(role)

    # -- authentication -------------------------------------------------------------------------------
    def token(self, env: Environment, scopes: list[str] | None = None, role: str = "partner") -> str:
        """A fresh Core token (never cached: expiry and revocation tests must not poison other tests)."""
        response = self.request_token(env, role, scopes)
        if response.status_code != 200:
            raise ConfigError(
                f"token request for role {role!r} in {env} answered {response.status_code}; check the credentials"
            )
        token = str(response.json()["access_token"])
        register_secret(token)
        return token

    def request_token(
        self,
        env: Environment,
        role: str,
        scopes: list[str] | None = None,
        password: str | None = None,
        credential_env: Environment | None = None,
    ) -> httpx.Response:
        """A token request to ``env``'s token endpoint, with the role's login of ``credential_env`` (default:
        the same environment; another one checks that logins do not cross environments)."""
        credential = self.credential(credential_env or env, role)
        if credential is None:
            raise ConfigError(f"no credentials for role {role!r} in {credential_env or env}")
        form = {
            "grant_type": "password",
            "username": credential["username"],
            "password": password if password is not None else credential["password"],
        }
        if scopes is not None:
            form["scope"] = " ".join(scopes)
        op = self.operation("carrierx-core", "createToken")
        return self.client.request(
            "POST",
            self.base_url(env, "carrierx-core") + op.path,
            data=form,
            production=self.target.environments[env].production,
            token_request=True,
        )

    def auth_headers(
        self, env: Environment, api: str, role: str | None = None, scopes: list[str] | None = None
    ) -> dict[str, str]:
        """Valid credentials of a role for an API, in the form its contract documents."""
        role = role or self.default_role(api)
        kind = self.kind(api)
        if kind == "bearer":
            return {"Authorization": f"Bearer {self.token(env, scopes, role)}"}
        credential = self.credential(env, role)
        if credential is None:
            raise ConfigError(f"no credentials for role {role!r} in {env}")
        if kind == "client_pair":
            id_name, secret_name = client_headers(self.documents[api])
            return {id_name: credential["client_id"], secret_name: credential["client_secret"]}
        return {"Authorization": basic_header(credential["username"], credential["password"])}

    # -- sending ------------------------------------------------------------------------------------------
    def send(
        self,
        env: Environment,
        op: Operation,
        *,
        headers: dict[str, str] | None = None,
        path_parameters: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        body: Any = None,
        form: dict[str, Any] | None = None,
    ) -> httpx.Response:
        path = op.path
        for name, value in (path_parameters or {}).items():
            path = path.replace("{" + name + "}", str(value))
        kwargs: dict[str, Any] = {"params": query or None, "headers": headers or {}}
        if body is not None:
            kwargs["json"] = body
        if form is not None:
            kwargs["data"] = form
        return self.client.request(
            op.method,
            self.base_url(env, op.api) + path,
            production=self.target.environments[env].production,
            read_only=op.read_only,
            token_request=op.operation_id == "createToken",
            **kwargs,
        )

    def send_transport(self, env: Environment, op: Operation, kwargs: dict[str, Any]) -> httpx.Response:
        """Send what schemathesis serialized for a case (``case.as_transport_kwargs``)."""
        kwargs = dict(kwargs)
        method, url = kwargs.pop("method"), kwargs.pop("url")
        kwargs.pop("cookies", None)
        data = kwargs.pop("data", None)
        if isinstance(data, bytes | str):
            kwargs["content"] = data
        elif data is not None:
            kwargs["data"] = data
        kwargs["params"] = kwargs.get("params") or None
        return self.client.request(
            method,
            url,
            production=self.target.environments[env].production,
            read_only=op.read_only,
            token_request=op.operation_id == "createToken",
            **kwargs,
        )
