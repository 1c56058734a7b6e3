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

from apiconform.config.deviations import load_deviations
from apiconform.config.model import (
    GENERIC_FIELDS,
    ApiConfig,
    Budget,
    ConfigFile,
    CredentialConfig,
    Deviation,
    Environment,
    GoLive,
    Limits,
    Plan,
    PortalConfig,
    PortalLogin,
    TargetConfig,
)
from apiconform.errors import ConfigError
from apiconform.reporting.redaction import register_secret

DEFAULT_CONFIG_NAME = "apiconform.toml"
EMBEDDED = "embedded"


@dataclass(frozen=True)
class Role:
    """What a configured credential is for: its purpose and, optionally, the APIs it serves it for."""

    purpose: str = "main"
    apis: tuple[str, ...] | None = None
    scopes: tuple[str, ...] | None = None

    def serves(self, api: str) -> bool:
        return self.apis is None or api in self.apis


@dataclass(frozen=True)
class EnvironmentTarget:
    """One environment of a target, with credential values resolved (or noted missing)."""

    name: Environment
    production: bool
    base_urls: dict[str, str]
    credentials: dict[str, dict[str, SecretStr]] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    roles: dict[str, Role] = field(default_factory=dict)
    token_urls: dict[str, str] = field(default_factory=dict)

    def credential(self, role: str) -> dict[str, str] | None:
        """The values of one role's credential, or None when the role is not configured or incomplete."""
        fields = self.credentials.get(role)
        if not fields:
            return None
        return {name: value.get_secret_value() for name, value in fields.items()}

    def role(self, name: str) -> Role:
        return self.roles.get(name, Role())


@dataclass(frozen=True)
class PortalAccess:
    """Portal operations (lifecycle suite): only the embedded sandbox has them as an API.

    ``organisation`` and the plans are what the lifecycle tests register applications with: an open plan
    (contracts activated at once) and a restricted one (contracts wait for an admin's approval).
    """

    url: str
    developer: dict[str, SecretStr]
    admin: dict[str, SecretStr]
    api: str
    organisation: str
    open_plan: str
    restricted_plan: str


@dataclass(frozen=True)
class Target:
    name: str
    environments: dict[Environment, EnvironmentTarget]
    budget: Budget = field(default_factory=Budget)
    limits: Limits = field(default_factory=Limits)
    allow_writes: bool = False
    strict: bool = False
    embedded: bool = False
    description: str = ""
    path_overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    known_inputs: dict[Environment, dict[str, dict[str, list[dict[str, Any]]]]] = field(default_factory=dict)
    portal: PortalAccess | None = None
    api_settings: dict[str, ApiConfig] = field(default_factory=dict)
    deviations: tuple[Deviation, ...] = ()
    plan: Plan | None = None  # the vendor plan's rate limit, when configured (golive)
    golive: GoLive = field(default_factory=GoLive)

    def settings(self, api: str) -> ApiConfig:
        return self.api_settings.get(api) or ApiConfig()

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
    if len(loc) == 3 and loc[2] in ("budget", "plan", "golive", "limits"):
        sections: dict[str, type[Any]] = {
            "budget": model.Budget,
            "plan": model.Plan,
            "golive": model.GoLive,
            "limits": model.Limits,
        }
        return sorted(sections[loc[2]].model_fields)
    if len(loc) == 4 and loc[2] == "environments":
        return sorted(model.EnvironmentConfig.model_fields)
    if len(loc) == 4 and loc[2] == "apis":
        return sorted(model.ApiConfig.model_fields)
    if len(loc) == 5 and loc[2] == "apis" and loc[4] == "token":
        return sorted(model.TokenConfig.model_fields)
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
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 (byte {exc.start}); save it as UTF-8") from None
    try:
        config = ConfigFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(path, exc)) from None
    config._source_dir = path.resolve().parent
    _use_contract_folders(path, config)
    _check_api_names(path, config)
    _check_overlays(config)
    _check_credential_fields(path, config)
    for target in config.targets.values():
        if target.deviations:
            load_deviations(config._source_dir / target.deviations)
    return config


def overlays_of(target: TargetConfig, base_dir: Path) -> dict[str, Path]:
    return {api: base_dir / settings.overlay for api, settings in target.apis.items() if settings.overlay}


def _check_overlays(config: ConfigFile) -> None:
    """Apply every target's overlays once at load time, so a broken one is a line now, not a failure later."""
    from apiconform.contracts import load_api, set_overlays

    base = config.source_dir or Path.cwd()
    try:
        for target in config.targets.values():
            overlays = overlays_of(target, base)
            set_overlays(overlays)
            for api in overlays:
                load_api(api)
    finally:
        set_overlays({})


def _use_contract_folders(path: Path, config: ConfigFile) -> None:
    """Make the users' contract folders visible to the one loader, and validate what they hold."""
    from apiconform.contracts import set_contract_folders
    from apiconform.contracts.validation import contract_folder_problems

    folders = [(path.resolve().parent / folder) for folder in config.contracts]
    for folder in folders:
        if not folder.is_dir():
            raise ConfigError(f"{path}: contracts: folder {folder} not found; create it or remove it from 'contracts'")
    set_contract_folders(folders)
    for folder in folders:
        problems = contract_folder_problems(folder)
        if problems:
            raise ConfigError("\n".join(problems))


def _check_api_names(path: Path, config: ConfigFile) -> None:
    from apiconform.contracts import api_names

    known = api_names()
    for target_name, target in config.targets.items():
        prefix = f"targets.{target_name}"
        named = [
            (f"{prefix}.environments.{env}.{section}.{api}", api)
            for env, env_config in target.environments.items()
            for section, mapping in (
                ("base_urls", env_config.base_urls),
                ("token_urls", env_config.token_urls),
                ("known_inputs", env_config.known_inputs),
            )
            for api in mapping
        ]
        named += [
            (f"{prefix}.environments.{env}.credentials.{role}.apis", api)
            for env, env_config in target.environments.items()
            for role, credential in env_config.credentials.items()
            for api in credential.apis or []
        ]
        named += [(f"{prefix}.path_overrides.{api}", api) for api in target.path_overrides]
        named += [(f"{prefix}.known_inputs.{api}", api) for api in target.known_inputs]
        named += [(f"{prefix}.apis.{api}", api) for api in target.apis]
        for where, api in named:
            if api not in known:
                close = difflib.get_close_matches(api, known, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"known APIs: {', '.join(known)}"
                raise ConfigError(f"{path}: {where}: unknown API {api!r}; {hint}")


def _check_credential_fields(path: Path, config: ConfigFile) -> None:
    """A credential field must be one a scheme can use: a typo would otherwise fail every test that needs it."""
    from apiconform.contracts import api_names
    from apiconform.contracts.security import credential_fields

    for target_name, target in config.targets.items():
        for env, env_config in target.environments.items():
            for role, credential in env_config.credentials.items():
                apis = credential.apis or list(env_config.base_urls) or api_names()
                allowed = sorted({*GENERIC_FIELDS, *(f for api in apis for f in credential_fields(api))})
                for field_name in credential.fields:
                    if field_name not in allowed:
                        close = difflib.get_close_matches(field_name, allowed, n=1)
                        hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
                        raise ConfigError(
                            f"{path}: targets.{target_name}.environments.{env}.credentials.{role}: "
                            f"unknown credential field {field_name!r}; {hint}"
                        )


def _environment_values(target: TargetConfig, base_dir: Path) -> Mapping[str, str | None]:
    values: dict[str, str | None] = {}
    if target.dotenv:
        dotenv_path = base_dir / target.dotenv
        if not dotenv_path.is_file():
            raise ConfigError(f"dotenv file {dotenv_path} not found; create it or remove 'dotenv' from the target")
        try:
            values.update(dotenv_values(dotenv_path, encoding="utf-8"))
        except UnicodeDecodeError as exc:
            raise ConfigError(f"dotenv file {dotenv_path}: not UTF-8 (byte {exc.start}); save it as UTF-8") from None
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
    if not target.environments:
        raise ConfigError(
            f"target {name!r} has no environments: add [targets.{name}.environments.sandbox] with base_urls "
            "and credentials (see apiconform.example.toml)"
        )
    from apiconform.contracts import set_overlays

    base = base_dir or config.source_dir or Path.cwd()
    set_overlays(overlays_of(target, base))  # this run's contracts
    values = _environment_values(target, base_dir or config.source_dir or Path.cwd())
    environments: dict[Environment, EnvironmentTarget] = {}
    for env_name, env_config in target.environments.items():
        creds: dict[str, dict[str, SecretStr]] = {}
        missing: list[str] = []
        for role, credential in env_config.credentials.items():
            fields = credential.fields
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
            roles={role: _role(c) for role, c in env_config.credentials.items()},
            token_urls={api: str(url) for api, url in env_config.token_urls.items()},
        )
    known_inputs = {
        env: _known_inputs(target.known_inputs, target.environments[env].known_inputs) for env in environments
    }
    return Target(
        name=name,
        environments=environments,
        budget=target.budget,
        limits=target.limits,
        allow_writes=target.allow_writes,
        strict=target.strict,
        description=target.description,
        path_overrides=target.path_overrides,
        known_inputs=known_inputs,
        api_settings=dict(target.apis),
        deviations=load_deviations(base / target.deviations) if target.deviations else (),
        plan=target.plan,
        golive=target.golive,
        portal=_portal(name, target.portal, values),
    )


def _portal(name: str, portal: PortalConfig | None, values: Mapping[str, str | None]) -> PortalAccess | None:
    """The portal's URL and logins, their values read like credentials' (registered for redaction)."""
    if portal is None:
        return None

    def login(which: str, config: PortalLogin | None) -> dict[str, SecretStr]:
        if config is None:
            return {}
        out: dict[str, SecretStr] = {}
        for field_name, variable in (("username", config.username), ("password", config.password)):
            value = values.get(variable)
            if not value:
                raise ConfigError(
                    f"targets.{name}.portal.{which}.{field_name}: environment variable ${variable} is not set; "
                    "export it or add it to the target's dotenv file"
                )
            register_secret(value)
            out[field_name] = SecretStr(value)
        return out

    return PortalAccess(
        url=str(portal.url).rstrip("/"),
        developer=login("developer", portal.developer),
        admin=login("admin", portal.admin),
        api=portal.api,
        organisation=portal.organisation,
        open_plan=portal.open_plan,
        restricted_plan=portal.restricted_plan,
    )


def _role(credential: CredentialConfig) -> Role:
    return Role(
        purpose=credential.purpose,
        apis=tuple(credential.apis) if credential.apis is not None else None,
        scopes=tuple(credential.scopes) if credential.scopes is not None else None,
    )


def _known_inputs(*layers: dict[str, dict[str, list[Any]]]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Inputs for every environment, then the environment's own (a vendor's sandbox and production publish
    different test accounts); an operation given in the environment replaces the target-wide list."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for layer in layers:
        for api, ops in layer.items():
            for op, inputs in ops.items():
                out.setdefault(api, {})[op] = [ki.model_dump(exclude_defaults=True) for ki in inputs]
    return out
