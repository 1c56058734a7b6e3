"""The shape of ``apiconform.toml``: pydantic models that forbid unknown keys.

Credential fields hold the *names* of environment variables, never the values; the validator
rejects anything that does not look like a variable name so a pasted secret is caught at load time.
Everything a vendor does differently from the documentation's silence (token flow, client
authentication, operations it does not offer, inputs per environment) is said here, never in code.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, PrivateAttr, field_validator

ENV_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
Environment = Literal["sandbox", "production"]
Purpose = Literal["main", "other_organisation", "small_plan", "missing_scope", "no_contract"]
PURPOSES: dict[str, str] = {
    "main": "the application the suites call every API with",
    "other_organisation": "an application of another organisation (isolation suite)",
    "small_plan": "an application on a plan with a small per-operation limit (rate-limits suite)",
    "missing_scope": "a credential whose token or plan lacks a scope the API documents (auth suite)",
    "no_contract": "an application without an access contract for the APIs listed in `apis` (auth suite)",
}
# Credential fields with a meaning of their own; an apiKey scheme adds its own field name.
# ``app_id`` is the application's id in a vendor portal that exposes usage (rate-limits suite).
GENERIC_FIELDS = ("client_id", "client_secret", "username", "password", "token", "app_id")
ClientAuth = Literal["client_secret_basic", "client_secret_post", "none"]
Flow = Literal["client_credentials", "password"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


MIN_RATE = 1 / 60  # requests per second: below one a minute a run would look hung, not careful


def looks_like_secret(name: str) -> bool:
    """Variable names are words (``CHORUS_SANDBOX_CLIENT_SECRET``); a long run of mixed case and digits is a
    credential pasted where its variable's name belongs, and must never be printed back."""
    return (
        len(name) >= 16
        and any(c.islower() for c in name)
        and any(c.isupper() for c in name)
        and any(c.isdigit() for c in name)
    )


class Budget(_Strict):
    """What the target's plan allows this suite to spend: a rate and a ceiling per run."""

    requests_per_second: float = 20.0
    max_requests: Annotated[int, Field(gt=0)] = 5000

    @field_validator("requests_per_second")
    @classmethod
    def _not_absurd(cls, value: float) -> float:
        if value < MIN_RATE:
            raise ValueError(f"must be at least one request a minute ({MIN_RATE:.4f} per second), got {value:g}")
        return value


class Limits(_Strict):
    """Bounds that make every run end, whatever the target does: a deadline per answer (the whole of it, not
    per read), a cap on its size, a deadline per run, and how many unavailable answers in a row open the
    circuit for an origin (later requests there fail at once as unavailable instead of waiting each)."""

    connect_seconds: Annotated[float, Field(gt=0)] = 5.0
    response_seconds: Annotated[float, Field(gt=0)] = 30.0
    max_response_bytes: Annotated[int, Field(gt=0)] = 10_000_000
    run_seconds: Annotated[float, Field(gt=0)] = 3600.0
    breaker_failures: Annotated[int, Field(gt=0)] = 5


class CredentialConfig(BaseModel):
    """One credential: what it is for, which APIs, and the variable behind each scheme field."""

    model_config = ConfigDict(extra="allow", frozen=True)

    purpose: Purpose = "main"
    apis: list[str] | None = None
    scopes: list[str] | None = None  # missing_scope: the scopes its token is granted

    @property
    def fields(self) -> dict[str, str]:
        """Scheme field -> environment variable name."""
        return {str(k): str(v) for k, v in (self.model_extra or {}).items()}


class KnownInput(_Strict):
    path_parameters: dict[str, Any] = Field(default_factory=dict)
    query: dict[str, Any] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None


class EnvironmentConfig(_Strict):
    production: bool = False
    base_urls: dict[str, HttpUrl] = Field(default_factory=dict)
    token_urls: dict[str, HttpUrl] = Field(default_factory=dict)
    credentials: dict[str, CredentialConfig] = Field(default_factory=dict)
    known_inputs: dict[str, dict[str, list[KnownInput]]] = Field(default_factory=dict)

    @field_validator("credentials")
    @classmethod
    def _names_not_values(cls, value: dict[str, CredentialConfig]) -> dict[str, CredentialConfig]:
        for role, credential in value.items():
            for field_name, variable in credential.fields.items():
                if not isinstance(variable, str) or not ENV_VAR_NAME.match(variable):
                    raise ValueError(
                        f"credentials.{role}.{field_name} must name an environment variable "
                        "(letters, digits, _), not hold the secret itself"
                    )
                if looks_like_secret(variable):
                    raise ValueError(
                        f"credentials.{role}.{field_name} looks like a pasted secret, not a variable name (mixed "
                        "case and digits, 16+ characters): put the value in the environment or the dotenv file and "
                        "name its variable here (e.g. VENDOR_CLIENT_SECRET)"
                    )
        return value


class TokenConfig(_Strict):
    """How this vendor's token endpoint wants to be asked (RFC 6749 sections 2.3.1, 4.3, 4.4)."""

    flow: Flow | None = None
    client_auth: ClientAuth | None = None
    scope_param: str = "scope"
    scopes: list[str] | None = None  # asked for when a test needs no particular scope; None: every documented one
    extra_params: dict[str, str] = Field(default_factory=dict)
    renew_before_seconds: Annotated[float, Field(ge=0)] = 30.0
    # Wait up to this long for a fresh token to expire, then check it is refused (0: never wait, the check is
    # skipped). Useful with a short-lived test credential: the vendor's expires_in decides the wait.
    expiry_wait_seconds: Annotated[float, Field(ge=0, le=600)] = 0.0


class ApiConfig(_Strict):
    """Per-API settings of a target: operations it offers, how tokens are requested."""

    overlay: str | None = None  # an OpenAPI Overlay 1.0 file (YAML/JSON), relative to apiconform.toml
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    exclude_reason: str = "excluded by the target configuration"
    token: TokenConfig = Field(default_factory=TokenConfig)


class Deviation(_Strict):
    """A deviation the team knows of (and has told the vendor): it does not fail the run while it holds.

    ``test`` (a node-id glob) and/or ``check`` (a check name) say where; ``message`` (optional) pins what was
    seen, the failure's first line after ``[category] check:``, so a different status, field or message fails
    again; ``expires`` ends the acceptance.
    """

    test: str | None = None
    check: str | None = None
    message: str | None = None
    reason: Annotated[str, Field(min_length=3)]
    expires: date | None = None


class DeviationsFile(_Strict):
    deviation: list[Deviation] = Field(default_factory=list)


class PortalLogin(_Strict):
    """A portal login: the environment variables that hold its user name and password (never the values)."""

    username: Annotated[str, Field(pattern=ENV_VAR_NAME.pattern)]
    password: Annotated[str, Field(pattern=ENV_VAR_NAME.pattern)]


class PortalConfig(_Strict):
    """A developer portal that offers its applications, contracts and usage as an API (a contract marked
    ``x-apiconform-portal``): the lifecycle suite and ``golive`` ask it. Most vendors' portals are web pages;
    leave this out for them and those checks say what to confirm by hand."""

    url: HttpUrl
    api: str = "portal"  # the contract (OpenAPI file stem) describing the portal's operations
    developer: PortalLogin
    admin: PortalLogin | None = None  # contract approval (lifecycle suite only)
    organisation: str = ""
    open_plan: str = ""
    restricted_plan: str = ""


class Plan(_Strict):
    """The vendor plan the target's applications are on: calls per interval (seed 003: "Rate limits specify how
    many calls an app is allowed to make during a specified time interval"). ``apiconform golive`` checks the
    budget against it."""

    name: str = ""
    calls: Annotated[int, Field(gt=0)]
    per_seconds: Annotated[float, Field(gt=0)]


class GoLive(_Strict):
    """Settings of ``apiconform golive``: how old the last full run may be, and the planned go-live day (accepted
    deviations expiring before it are flagged)."""

    max_age_hours: Annotated[float, Field(gt=0)] = 24.0
    planned_date: date | None = None


class TargetConfig(_Strict):
    """One named target: a vendor's sandbox and/or production, per API."""

    description: str = ""
    dotenv: str | None = None
    deviations: str | None = None  # a TOML file of accepted deviations, relative to apiconform.toml
    allow_writes: bool = False
    strict: bool = False  # broken assumptions and recommendations fail this target's runs, as with --strict
    budget: Budget = Field(default_factory=Budget)
    limits: Limits = Field(default_factory=Limits)
    environments: dict[Environment, EnvironmentConfig] = Field(default_factory=dict)
    apis: dict[str, ApiConfig] = Field(default_factory=dict)
    path_overrides: dict[str, dict[str, str]] = Field(default_factory=dict)
    known_inputs: dict[str, dict[str, list[KnownInput]]] = Field(default_factory=dict)
    plan: Plan | None = None
    golive: GoLive = Field(default_factory=GoLive)
    portal: PortalConfig | None = None

    @field_validator("path_overrides")
    @classmethod
    def _paths_absolute(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for api, ops in value.items():
            for op, path in ops.items():
                if not path.startswith("/"):
                    raise ValueError(f"path_overrides.{api}.{op} must start with '/', got {path!r}")
        return value


class Defaults(_Strict):
    target: str = "embedded"
    profile: Literal["quick", "nightly"] = "quick"


class ConfigFile(_Strict):
    defaults: Defaults = Field(default_factory=Defaults)
    contracts: list[str] = Field(default_factory=list)
    targets: dict[str, TargetConfig] = Field(default_factory=dict)
    _source_dir: Path | None = PrivateAttr(default=None)  # relative paths (dotenv, contracts) resolve from here

    @property
    def source_dir(self) -> Path | None:
        return self._source_dir
