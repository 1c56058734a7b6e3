"""The tool's own errors.

    ApiconformError              a problem the user can fix; printed as one line, never a traceback
     +-- ConfigError             bad apiconform.toml, unknown target, missing credential variable (exit 2)
     +-- UsageError              bad command-line input (exit 2)
     +-- TargetUnavailable       the target cannot be reached (exit 3); not a contract failure
     +-- BudgetExceeded          the request budget of the target is spent; the call was not sent

Contract failures are not here: they are AssertionError subclasses in ``apiconform.checks.failures``
so pytest and Allure classify them as failed, while these show as broken or as errors.
"""

from __future__ import annotations


class ApiconformError(Exception):
    """Base of every error apiconform raises on purpose; its message is a single actionable line."""

    exit_code = 2


class ConfigError(ApiconformError):
    """The configuration (file, target, credential source) is invalid."""


class UsageError(ApiconformError):
    """The command line asked for something that does not exist."""


class TargetUnavailable(ApiconformError):
    """The target did not answer: connection refused, DNS failure, timeout."""

    exit_code = 3


class BudgetExceeded(ApiconformError):
    """Sending one more request would exceed the target's configured maximum per run."""
