"""Contract failures: AssertionErrors that carry what was checked, received, documented, why, and how strong
the rule is.

The message starts with ``[category]`` so Allure's categories.json, the JUnit report and the detection
matrix can classify a failure from its text alone. Every field is redacted on the way in. A violation of a
recommendation or an assumption is a warning: ``breach`` records it for the running test and goes on, so
a documented rule broken later on the same test still decides the verdict.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from apiconform.contracts.grades import Grade, grade_of_source
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
    """The target broke a rule; ``grade`` (from the source unless given) says whether that fails the test."""

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
        grade: Grade | None = None,
    ) -> None:
        self.category = category
        self.grade = grade or grade_of_source(source)
        self.check = check
        self.operation = operation
        self.received = redact_text(str(received)) if received is not None else None
        self.documented = redact_text(str(documented)) if documented is not None else None
        self.source = source
        self.message = redact_text(message).splitlines()[0] if message else ""
        self.detail = redact_text(message)[:1000] if message else ""
        lines = [f"[{category}] {check}: {redact_text(message)}"]
        if operation:
            lines.append(f"Operation: {operation}")
        if self.received is not None:
            lines.append(f"Received: {self.received}")
        if self.documented is not None:
            lines.append(f"Documented: {self.documented}")
        if source:
            lines.append(f"Source: {source}")
        lines.append(f"Grade: {self.grade}")
        super().__init__("\n".join(lines))

    @property
    def blocking(self) -> bool:
        return self.grade.blocking

    def key(self) -> tuple[str, str, str]:
        return (self.check, self.message, self.operation or "")


def expect(condition: bool, category: Category, check: str, message: str, **details: Any) -> None:
    """Report a ContractViolation unless the condition holds."""
    if not condition:
        breach(ContractViolation(category, check, message, **details))


class Warnings:
    """The broken recommendations and assumptions of one test, each once, in the order they were seen."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, str], ContractViolation] = {}

    def add(self, violation: ContractViolation) -> None:
        self._seen.setdefault(violation.key(), violation)

    @property
    def violations(self) -> list[ContractViolation]:
        return list(self._seen.values())


_WARNINGS: ContextVar[Warnings | None] = ContextVar("apiconform_warnings", default=None)


@contextmanager
def collecting_warnings() -> Iterator[Warnings]:
    """Collect the warnings of the code run inside (one suite test); outside, every breach raises."""
    warnings = Warnings()
    token = _WARNINGS.set(warnings)
    try:
        yield warnings
    finally:
        _WARNINGS.reset(token)


def breach(violation: ContractViolation) -> None:
    """Raise a violation of a documented or standard rule; record a weaker one as a warning and go on."""
    warnings = _WARNINGS.get()
    if violation.blocking or warnings is None:
        raise violation
    warnings.add(violation)


def decide(violations: list[ContractViolation]) -> None:
    """Report several violations found on one response: the weaker ones are recorded, then the first
    blocking one raises and decides (outside a suite test the strongest raises)."""
    blocking = [v for v in violations if v.blocking]
    weaker = [v for v in violations if not v.blocking]
    warnings = _WARNINGS.get()
    if warnings is None:
        if violations:
            raise (blocking or weaker)[0]
        return
    for violation in weaker:
        warnings.add(violation)
    if blocking:
        raise blocking[0]


class RuleWarnings(AssertionError):
    """Raised after a test that broke only recommendations or assumptions; the plugin reports it as passed
    with warnings (or, with ``--strict``, failed)."""

    def __init__(self, violations: list[ContractViolation]) -> None:
        self.violations = violations
        first = violations[0]
        self.category = first.category
        self.check = first.check
        self.message = first.message
        self.grade = first.grade
        # the first warning's evidence, so reports read a RuleWarnings like the violation it stands for
        self.source, self.operation = first.source, first.operation
        self.received, self.documented, self.detail = first.received, first.documented, first.detail
        text = "\n\n".join(str(v) for v in violations)
        super().__init__(f"[warning] {len(violations)} {first.grade} rule(s) broken\n{text}")
