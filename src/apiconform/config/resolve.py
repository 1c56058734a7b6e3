"""Load ``apiconform.toml`` and resolve a target: base URLs, budget, and credentials from the environment.

Errors are one line each, naming the file, the key and the fix, with "did you mean" for typos.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import SecretStr, ValidationError

from apiconform.config.model import Budget, ConfigFile, Environment, TargetConfig
from apiconform.errors import ConfigError
from apiconform.reporting.redaction import register_secret

DEFAULT_CONFIG_NAME = "apiconform.toml"
EMBEDDED = "embedded"


@dataclass(frozen=True)
class EnvironmentTarget:
    """One environment of a target, with credential values resolved (or noted missing)."""

    name: Environment
    production: bool
    base_urls: dict[str, str]
    credentials: dict[str, dict[str, SecretStr]] = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    def credential(self, role: str) -> dict[str, str] | None:
        """The values of one role's credential, or None when the role is not configured or incomplete."""
        fields = self.credentials.get(role)
        if not fields:
            return None
        return {name: value.get_secret_value() for name, value in fields.items()}


@dataclass(frozen=True)
class PortalAccess:
    """Portal operations (lifecycle suite): only the embedded sandbox has them as an API."""

    url: str
    developer: dict[str, SecretStr]
    admin: dict[str, SecretStr]


@dataclass(frozen=True)
class Target:
    name: str
    environments: dict[Environment, EnvironmentTarget]
    budget: Budget = field(default_factory=Budget)
    allow_writes: bool = False
    embedded: bool = False
    description: str = ""
    path_overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    known_inputs: dict[Environment, dict[str, dict[str, list[dict[str, Any]]]]] = field(default_factory=dict)
    portal: PortalAccess | None = None

    def apis(self) -> list[str]:
        names: set[str] = set()
        for env in self.environments.values():
            names.update(env.base_urls)
        return sorted(names)


def _format_validation_error(path: Path, exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        if error["type"] == "extra_forbidden":
            parent_fields = _known_keys(error["loc"][:-1])
            close = difflib.get_close_matches(str(error["loc"][-1]), parent_fields, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(parent_fields)}"
            lines.append(f"{path}: unknown key {where!r}{hint}")
        else:
            lines.append(f"{path}: {where}: {error['msg']}")
    return "\n".join(lines)


def _known_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed at a location of the file, for 'did you mean' hints."""
    from apiconform.config import model

    by_depth: dict[int, type[Any]] = {0: model.ConfigFile, 2: model.TargetConfig}
    if not loc:
        return sorted(model.ConfigFile.model_fields)
    if loc[0] == "defaults":
        return sorted(model.Defaults.model_fields)
    if len(loc) in by_depth:
        return sorted(by_depth[len(loc)].model_fields)
    if len(loc) == 3 and loc[2] == "budget":
        return sorted(model.Budget.model_fields)
    if len(loc) == 4 and loc[2] == "environments":
        return sorted(model.EnvironmentConfig.model_fields)
    return []


def load_config(path: Path | None = None) -> ConfigFile:
    """The parsed configuration; an absent default file means 'embedded sandbox only'."""
    explicit = path is not None
    path = path or Path.cwd() / DEFAULT_CONFIG_NAME
    if not path.is_file():
        if explicit:
            raise ConfigError(f"configuration file {path} not found; create it or drop --config")
        return ConfigFile()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        config = ConfigFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(path, exc)) from None
    _check_api_names(path, config)
    config._source_dir = path.resolve().parent
    return config


def _check_api_names(path: Path, config: ConfigFile) -> None:
    from apiconform.contracts import api_documents

    known = [doc.name for doc in api_documents()]
    for target_name, target in config.targets.items():
        named = [
            (f"targets.{target_name}.environments.{env}.base_urls.{api}", api)
            for env, env_config in target.environments.items()
            for api in env_config.base_urls
        ]
        named += [(f"targets.{target_name}.path_overrides.{api}", api) for api in target.path_overrides]
        named += [(f"targets.{target_name}.known_inputs.{api}", api) for api in target.known_inputs]
        for where, api in named:
            if api not in known:
                close = difflib.get_close_matches(api, known, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"known APIs: {', '.join(known)}"
                raise ConfigError(f"{path}: {where}: unknown API {api!r}; {hint}")


def _environment_values(target: TargetConfig, base_dir: Path) -> Mapping[str, str | None]:
    values: dict[str, str | None] = {}
    if target.dotenv:
        dotenv_path = base_dir / target.dotenv
        if not dotenv_path.is_file():
            raise ConfigError(f"dotenv file {dotenv_path} not found; create it or remove 'dotenv' from the target")
        values.update(dotenv_values(dotenv_path))
    values.update(os.environ)
    return values


def resolve_target(name: str, config: ConfigFile, base_dir: Path | None = None) -> Target:
    """A configured (vendor) target with its credential values read from the environment."""
    if name not in config.targets:
        known = [EMBEDDED, *config.targets]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(f"unknown target {name!r}; {hint}configured targets: {', '.join(known)}")
    target = config.targets[name]
    values = _environment_values(target, base_dir or config.source_dir or Path.cwd())
    environments: dict[Environment, EnvironmentTarget] = {}
    for env_name, env_config in target.environments.items():
        creds: dict[str, dict[str, SecretStr]] = {}
        missing: list[str] = []
        for role, fields in env_config.credentials.items():
            resolved: dict[str, SecretStr] = {}
            for field_name, variable in fields.items():
                value = values.get(variable)
                if value:
                    register_secret(value)
                    resolved[field_name] = SecretStr(value)
                else:
                    missing.append(f"{role}.{field_name} (${variable})")
            if len(resolved) == len(fields):
                creds[role] = resolved
        environments[env_name] = EnvironmentTarget(
            name=env_name,
            production=env_config.production,
            base_urls={api: str(url).rstrip("/") for api, url in env_config.base_urls.items()},
            credentials=creds,
            missing=tuple(missing),
        )
    known_inputs = {
        env: {
            api: {op: [ki.model_dump(exclude_defaults=True) for ki in inputs] for op, inputs in ops.items()}
            for api, ops in target.known_inputs.items()
        }
        for env in environments
    }
    return Target(
        name=name,
        environments=environments,
        budget=target.budget,
        allow_writes=target.allow_writes,
        description=target.description,
        path_overrides=target.path_overrides,
        known_inputs=known_inputs,
    )
