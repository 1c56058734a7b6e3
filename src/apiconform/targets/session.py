"""One run against one target: where each operation lives, how to authenticate, how to send.

Suites ask this object for "operation X of API Y in environment Z as role R" and get an HTTP response;
they never build URLs or credentials themselves, so the same suite runs against the embedded sandbox
and a vendor (whose paths may be overridden in ``apiconform.toml``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import httpx

from apiconform.config import Target
from apiconform.config.model import PURPOSES, Environment
from apiconform.contracts import ApiDocument, load_api
from apiconform.contracts.refs import deref
from apiconform.contracts.security import Security, credential_names, security
from apiconform.errors import ApiconformError, ConfigError
from apiconform.observed.recorder import ShapeRecorder
from apiconform.targets import credentials
from apiconform.targets.client import TargetClient
from apiconform.targets.credentials import Presented, basic_header
from apiconform.targets.profiles import Profile
from apiconform.targets.tokens import TokenProvider

MAIN = "main"
GRANT_FIELDS = {"password": ("username", "password"), "client_credentials": ("client_id",)}
__all__ = ["MAIN", "Operation", "Presented", "RoleMissing", "TargetSession", "basic_header", "deref"]

JSON = dict[str, Any]


@dataclass(frozen=True)
class Operation:
    api: str
    operation_id: str
    method: str
    path: str
    # Not in the repr: the operation's whole contract text (kilobytes) would be formatted wherever an operation is
    # shown (allure-pytest represents each test parameter twice per test; tracebacks; pytest's assertion output).
    raw: JSON = field(repr=False)

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

    @property
    def protected(self) -> bool:
        """False for operations the contract opens to anyone (``security: []``), such as a token endpoint."""
        return self.raw.get("security") != []

    @property
    def token_role(self) -> str | None:
        """``issue`` or ``revoke`` for the operations that manage tokens (``x-apiconform-token``)."""
        value = self.raw.get("x-apiconform-token")
        return str(value) if value else None

    @property
    def issues_tokens(self) -> bool:
        return self.token_role == "issue"

    @property
    def records(self) -> JSON:
        """How the operation answers records (``x-apiconform-records``): items, id, page, parameter, field."""
        value = self.raw.get("x-apiconform-records")
        return dict(value) if isinstance(value, dict) else {}


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


class RoleMissing(ApiconformError):
    """No configured credential serves a purpose the test needs; the message says what to add."""


class TargetSession:
    def __init__(self, target: Target, client: TargetClient, profile: Profile) -> None:
        self.target = target
        self.client = client
        self.profile = profile
        self.tokens = TokenProvider(self)
        self.observer: ShapeRecorder | None = None  # set when the run records observed shapes
        # The configuration and contracts do not change during a run; scripted tests ask these per request.
        self._operations: dict[str, list[Operation]] = {}
        self._roles: dict[tuple[Environment, str, str], list[str]] = {}
        self._security: dict[str, Security | None] = {}
        client.credential_names = frozenset(n for api in target.apis() for n in credential_names(api))

    @cached_property
    def documents(self) -> dict[str, ApiDocument]:
        return {api: load_api(api) for api in self.target.apis()}

    def _all_operations(self, api: str) -> list[Operation]:
        if api not in self._operations:
            overrides = self.target.path_overrides.get(api, {})
            document = self.documents[api].bundled
            self._operations[api] = [
                Operation(
                    api,
                    op["operationId"],
                    method,
                    overrides.get(op["operationId"], path),
                    _resolved(document, op, path),
                )
                for method, path, op in self.documents[api].operations()
            ]
        return self._operations[api]

    def operations(self, api: str) -> list[Operation]:
        """The API's operations the target offers (its ``include`` / ``exclude`` applied)."""
        settings = self.target.settings(api)
        return [op for op in self._all_operations(api) if offered(op, settings.include, settings.exclude)]

    def excluded(self, api: str) -> list[tuple[Operation, str]]:
        """Operations the target does not offer, each with the configured reason (reported as not run)."""
        settings = self.target.settings(api)
        return [
            (op, settings.exclude_reason)
            for op in self._all_operations(api)
            if not offered(op, settings.include, settings.exclude)
        ]

    def operation(self, api: str, operation_id: str) -> Operation:
        for op in self.operations(api):
            if op.operation_id == operation_id:
                return op
        raise ConfigError(f"{api} has no operation {operation_id!r} (or the target excludes it)")

    def find(self, api: str, keep: Callable[[Operation], bool]) -> Operation | None:
        return next((op for op in self.operations(api) if keep(op)), None)

    def token_operation(self, api: str) -> Operation:
        """The operation that issues tokens (``x-apiconform-token: issue``), or one standing for the token URL."""
        found = self.find(api, lambda op: op.token_role == "issue")
        if found is not None:
            return found
        return Operation(api, "token", "POST", "(token endpoint)", {"responses": {}, "security": []})

    def security(self, api: str) -> Security | None:
        if api not in self._security:
            self._security[api] = security(api)
        return self._security[api]

    def kind(self, api: str) -> str:
        found = self.security(api)
        return found.kind if found else "none"

    # -- roles by purpose -------------------------------------------------------------------------------------
    def roles(self, env: Environment, api: str, purpose: str = MAIN) -> list[str]:
        """Configured credentials serving ``purpose`` for ``api`` in ``env`` (explicitly listed ones first)."""
        key = (env, api, purpose)
        if key not in self._roles:
            environment = self.target.environments[env]
            matching = [
                name
                for name in environment.roles
                if environment.role(name).purpose == purpose
                and environment.role(name).serves(api)
                and self._can_feed(api, environment.credential(name))
            ]
            self._roles[key] = sorted(matching, key=lambda name: environment.role(name).apis is None)
        return list(self._roles[key])

    def role_for(self, env: Environment, api: str, purpose: str = MAIN) -> str | None:
        found = self.roles(env, api, purpose)
        return found[0] if found else None

    def require_role(self, env: Environment, api: str, purpose: str = MAIN) -> str:
        """The role serving ``purpose``, or ``RoleMissing`` with the exact configuration to add."""
        role = self.role_for(env, api, purpose)
        if role is None:
            fields = ", ".join(f'{f} = "<ENV VAR>"' for f in needed_fields(self.security(api)))
            raise RoleMissing(
                f"no credential with purpose {purpose!r} ({PURPOSES.get(purpose, purpose)}) for {api} in {env}: "
                f"add [targets.{self.target.name}.environments.{env}.credentials.<name>] with "
                f'purpose = "{purpose}", apis = ["{api}"], {fields}'
            )
        return role

    def _can_feed(self, api: str, credential: dict[str, str] | None) -> bool:
        if credential is None:
            return False
        security = self.security(api)
        if security is not None and security.kind == "oauth2" and security.flows:
            grant = self.tokens.flow(api, credential).grant
            return all(field in credential for field in GRANT_FIELDS.get(grant, ()))
        if security is not None and security.kind == "api_key":
            return all(key.field in credential or key.name in credential for key in security.api_keys)
        return all(field in credential for field in needed_fields(security, credential))

    def environments(self, api: str, purpose: str | None = MAIN) -> list[Environment]:
        """Environments where the API has a base URL and (if asked) a credential serving the purpose."""
        out: list[Environment] = []
        for name, env in self.target.environments.items():
            if api in env.base_urls and (purpose is None or self.role_for(name, api, purpose) is not None):
                out.append(name)
        return out

    def base_url(self, env: Environment, api: str) -> str:
        return self.target.environments[env].base_urls[api]

    def known_inputs(self, env: Environment, api: str, operation_id: str) -> list[JSON]:
        return list(self.target.known_inputs.get(env, {}).get(api, {}).get(operation_id, []))

    def credential(self, env: Environment, role: str) -> dict[str, str] | None:
        return self.target.environments[env].credential(role)

    # -- authentication -------------------------------------------------------------------------------------
    def present(
        self,
        env: Environment,
        api: str,
        role: str | None = None,
        scopes: list[str] | None = None,
        *,
        fresh: bool = False,
    ) -> Presented:
        """Valid credentials of a role (default: the main one) for an API, placed as its contract documents."""
        role = role or self.require_role(env, api)
        security = self.security(api)
        if security is None:
            return credentials.NONE
        if security.kind == "oauth2":
            token = self.tokens.token(env, api, role, scopes, fresh=fresh)

            def renew() -> Presented:
                self.tokens.forget(env, api, role, scopes)
                return credentials.bearer(self.tokens.token(env, api, role, scopes))

            return Presented(headers=credentials.bearer(token).headers, renew=None if fresh else renew, renew_in=env)
        credential = self.credential(env, role)
        if credential is None:
            raise ConfigError(f"no credential {role!r} in {env}")
        if security.kind == "api_key":
            return credentials.api_keys(security, credential, role)
        if security.kind == "bearer":
            return credentials.static_bearer(credential, role)
        return credentials.basic(credential, role)

    # -- sending ------------------------------------------------------------------------------------------
    def send(
        self,
        env: Environment,
        op: Operation,
        auth: Presented | None = None,
        *,
        headers: dict[str, str] | None = None,
        path_parameters: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        body: Any = None,
        form: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """Send one operation with the given credentials; a 401 on a cached token renews it and retries once."""
        path = op.path
        for name, value in (path_parameters or {}).items():
            path = path.replace("{" + name + "}", str(value))
        extra: dict[str, Any] = {}
        if body is not None:
            extra["json"] = body
        if form is not None:
            extra["data"] = form

        return self._dispatch(env, op, op.method, self.base_url(env, op.api) + path, auth, headers, query, extra)

    def send_transport(
        self, env: Environment, op: Operation, kwargs: dict[str, Any], auth: Presented | None = None
    ) -> httpx.Response:
        """Send what schemathesis serialized for a case (``case.as_transport_kwargs``) with the credentials."""
        kwargs = dict(kwargs)
        method, url = kwargs.pop("method"), kwargs.pop("url")
        kwargs.pop("cookies", None)
        data = kwargs.pop("data", None)
        if isinstance(data, bytes | str):
            kwargs["content"] = data
        elif data is not None:
            kwargs["data"] = data
        headers, query = kwargs.pop("headers", None), kwargs.pop("params", None)
        return self._dispatch(env, op, method, url, auth, headers, query, kwargs, generated=True)

    def _dispatch(
        self,
        env: Environment,
        op: Operation,
        method: str,
        url: str,
        auth: Presented | None,
        headers: dict[str, str] | None,
        query: dict[str, Any] | None,
        extra: dict[str, Any],
        *,
        generated: bool = False,
    ) -> httpx.Response:
        """Send with the credentials merged in; a 401 on a renewable (cached) token renews it and retries once."""
        presented = auth or credentials.NONE

        def attempt(current: Presented) -> httpx.Response:
            sent_headers, sent_query = current.merged(headers, query)
            return self.client.request(
                method,
                url,
                production=self.target.environments[env].production,
                read_only=op.read_only,
                token_request=op.issues_tokens,
                circuit=f"{env} {op.api}",
                params=sent_query or None,
                headers=sent_headers,
                **extra,
            )

        response = attempt(presented)
        if response.status_code == 401 and presented.renew is not None and presented.renew_in in (None, env):
            response = attempt(presented.renew())
        self.observe(env, op, response, generated=generated)
        return response

    def observe(self, env: Environment, op: Operation, response: httpx.Response, *, generated: bool = False) -> None:
        """Record the answer's shape for drift (when the run records shapes); ``generated``: to a request
        Hypothesis made up, whose headers may echo what it sent."""
        if self.observer is not None and op.api in self.documents:
            self.observer.observe(env, op, self.documents[op.api].bundled, response, generated=generated)


def offered(op: Operation, include: list[str], exclude: list[str]) -> bool:
    """Whether an operation passes the target's filters: operation ids, ``tag:NAME`` or ``path:GLOB``."""

    def matches(pattern: str) -> bool:
        if pattern.startswith("tag:"):
            return pattern[4:] in op.raw.get("tags", [])
        if pattern.startswith("path:"):
            return fnmatch.fnmatchcase(op.path, pattern[5:])
        return pattern == op.operation_id

    if include and not any(matches(p) for p in include):
        return False
    return not any(matches(p) for p in exclude)


def needed_fields(security: Security | None, credential: dict[str, str] | None = None) -> list[str]:
    """The credential fields an API's scheme reads (for OAuth2, those of the flow the credential can use)."""
    if security is None:
        return []
    if security.kind == "api_key":
        return [key.field for key in security.api_keys]
    if security.kind == "basic":
        return ["username", "password"]
    if security.kind == "bearer":
        return ["token"]
    if credential is not None and {"username", "password"} <= set(credential) and "password" in security.flows:
        return ["username", "password"]
    if "client_credentials" in security.flows or not security.flows:
        return ["client_id", "client_secret"] if credential is None or "client_secret" in credential else ["client_id"]
    return ["username", "password"]
