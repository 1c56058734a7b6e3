"""Contract failures: AssertionErrors that carry what was checked, received, documented, and why.

The message starts with ``[category]`` so Allure's categories.json, the JUnit report and the detection
matrix can classify a failure from its text alone. Every field is redacted on the way in.
"""

from __future__ import annotations

import enum
from typing import Any

from apiconform.reporting.redaction import redact_text


class Category(enum.StrEnum):
    CONTRACT = "contract-drift"
    AUTH = "auth-defect"
    ENVIRONMENT = "environment-leak"
    ISOLATION = "isolation-breach"
    RATE_LIMIT = "rate-limit-defect"
    LIFECYCLE = "lifecycle-defect"
    UNAVAILABLE = "target-unavailable"


class ContractViolation(AssertionError):
    """The target broke a documented rule."""

    def __init__(
        self,
        category: Category,
        check: str,
        message: str,
        *,
        received: Any = None,
        documented: Any = None,
        source: str | None = None,
        operation: str | None = None,
    ) -> None:
        self.category = category
        self.check = check
        self.operation = operation
        self.received = redact_text(str(received)) if received is not None else None
        self.documented = redact_text(str(documented)) if documented is not None else None
        self.source = source
        self.message = redact_text(message).splitlines()[0] if message else ""
        lines = [f"[{category}] {check}: {redact_text(message)}"]
        if operation:
            lines.append(f"Operation: {operation}")
        if self.received is not None:
            lines.append(f"Received: {self.received}")
        if self.documented is not None:
            lines.append(f"Documented: {self.documented}")
        if source:
            lines.append(f"Source: {source}")
        super().__init__("\n".join(lines))


def expect(condition: bool, category: Category, check: str, message: str, **details: Any) -> None:
    """Raise a ContractViolation unless the condition holds."""
    if not condition:
        raise ContractViolation(category, check, message, **details)
