"""The shape of ``apiconform.toml``: pydantic models that forbid unknown keys.

Credential fields hold the *names* of environment variables, never the values; the validator
rejects anything that does not look like a variable name so a pasted secret is caught at load time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, PrivateAttr, field_validator

ENV_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
Environment = Literal["sandbox", "production"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Budget(_Strict):
    """What the target's plan allows this suite to spend: a rate and a ceiling per run."""

    requests_per_second: Annotated[float, Field(gt=0)] = 20.0
    max_requests: Annotated[int, Field(gt=0)] = 5000


class EnvironmentConfig(_Strict):
    production: bool = False
    base_urls: dict[str, HttpUrl] = Field(default_factory=dict)
    credentials: dict[str, dict[str, str]] = Field(default_factory=dict)

    @field_validator("credentials")
    @classmethod
    def _names_not_values(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for role, fields in value.items():
            for field_name, variable in fields.items():
                if not ENV_VAR_NAME.match(variable):
                    raise ValueError(
                        f"credentials.{role}.{field_name} must name an environment variable "
                        "(letters, digits, _), not hold the secret itself"
                    )
        return value


class KnownInput(_Strict):
    path_parameters: dict[str, Any] = Field(default_factory=dict)
    query: dict[str, Any] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None


class TargetConfig(_Strict):
    """One named target: a vendor's sandbox and/or production, per API."""

    description: str = ""
    dotenv: str | None = None
    allow_writes: bool = False
    budget: Budget = Field(default_factory=Budget)
    environments: dict[Environment, EnvironmentConfig] = Field(default_factory=dict)
    path_overrides: dict[str, dict[str, str]] = Field(default_factory=dict)
    known_inputs: dict[str, dict[str, list[KnownInput]]] = Field(default_factory=dict)

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
    targets: dict[str, TargetConfig] = Field(default_factory=dict)
    _source_dir: Path | None = PrivateAttr(default=None)  # relative paths (dotenv) resolve from here

    @property
    def source_dir(self) -> Path | None:
        return self._source_dir
