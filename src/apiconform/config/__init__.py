"""Configuration: targets from ``apiconform.toml`` and credentials from the environment.

The only package that reads environment variables or ``.env`` files. Secret values leave it wrapped
in ``pydantic.SecretStr`` and registered with the redactor, so nothing downstream can print them.
"""

from apiconform.config.model import Budget, ConfigFile, TargetConfig
from apiconform.config.resolve import (
    DEFAULT_CONFIG_NAME,
    EMBEDDED,
    EnvironmentTarget,
    Target,
    load_config,
    resolve_target,
)

__all__ = [
    "DEFAULT_CONFIG_NAME",
    "EMBEDDED",
    "Budget",
    "ConfigFile",
    "EnvironmentTarget",
    "Target",
    "TargetConfig",
    "load_config",
    "resolve_target",
]
