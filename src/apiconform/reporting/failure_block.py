"""What a failed suite test says, compactly: the terminal block, the one-line JUnit message, its properties.

A ``ContractViolation`` (or, under ``--strict``, ``RuleWarnings``) already carries the rule, its grade, what
was received and documented and the source; the traceback behind it rarely helps a reader. By default
(pytest verbosity < 1) the report's ``longrepr`` becomes a short block built from those fields; with ``-v``
it keeps pytest's traceback. Either way it is a ``ReprExceptionInfo`` whose ``reprcrash`` message is the
one-line essence: pytest's short summary, JUnit's ``<failure message>`` and xdist's report transport all
read it from there. Every text passes through the redaction step before it is kept.
"""

from __future__ import annotations

from typing import Any

import pytest
from _pytest._code.code import ReprExceptionInfo, ReprFileLocation, ReprTracebackNative

from apiconform.reporting.redaction import redact_text

NOTE = pytest.StashKey[str]()  # a line the block must carry (an expired or changed accepted deviation)
MESSAGE_LIMIT = 200
FIELD_LIMIT = 240
DETAIL_LINES = 6
PROPERTY_PREFIX = "apiconform_"
MAX_ATTACHED_EXCHANGES = 3  # allure_support.MAX_ATTACHED_EXCHANGES


def _followable(source: str) -> str:
    """The source as a reader can follow it: each registry id as its document's title and link."""
    from apiconform.contracts.sources import describe

    return describe(source)


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(part.strip() for part in str(text).splitlines() if part.strip())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _details(violation: Any) -> list[str]:
    """The message lines after the first (e.g. the fields that drifted), which the headline introduces."""
    detail = str(getattr(violation, "detail", "") or "")
    return [line.strip() for line in detail.splitlines()[1:] if line.strip()]


def essence(violation: Any) -> str:
    """``[category] check: headline``, one line, at most 200 characters (the category once)."""
    category = "warning" if _is_warnings(violation) else str(violation.category)
    message = str(violation.message or "")
    details = _details(violation)
    if message.rstrip().endswith(":") and details:
        more = f" (+{len(details) - 1} more)" if len(details) > 1 else ""
        message = f"{message.rstrip()} {details[0]}{more}"
    if _is_warnings(violation):
        message = f"{len(violation.violations)} {violation.grade} rule(s) broken, first {violation.check}: {message}"
        return redact_text(_one_line(f"[{category}] {message}", MESSAGE_LIMIT))
    return redact_text(_one_line(f"[{category}] {violation.check}: {message}", MESSAGE_LIMIT))


def _is_warnings(value: Any) -> bool:
    return isinstance(getattr(value, "violations", None), list) and bool(value.violations)


def applies(value: Any) -> bool:
    """A graded rule failure (ContractViolation, or RuleWarnings under --strict): the block can describe it."""
    return all(hasattr(value, name) for name in ("category", "check", "message", "grade"))


def _evidence(config: pytest.Config, exchanges: int) -> str:
    alluredir = config.getoption("allure_report_dir", default=None)
    results_json = config.getoption("--results-json", default=None)
    if not exchanges:
        where = "no HTTP exchange recorded"
    elif alluredir:
        shown = min(exchanges, MAX_ATTACHED_EXCHANGES)
        where = f"request, response and curl ({shown} exchange(s)) attached in Allure: {alluredir}"
    else:
        where = "request, response, curl: rerun with --alluredir DIR (apiconform run keeps them)"
    return where + (f"; results.json: {results_json}" if results_json else "")


def _violation_lines(violation: Any) -> list[str]:
    """The rule with its grade and what broke, the listed details, then received, documented and the source."""
    category = str(violation.category)
    headline = _one_line(str(violation.message or ""), FIELD_LIMIT)
    lines = [f"  [{category}] {violation.check} (grade: {violation.grade}): {headline}"]
    details = _details(violation)
    if str(violation.message or "").rstrip().endswith(":"):
        lines += [f"      {_one_line(line, FIELD_LIMIT)}" for line in details[:DETAIL_LINES]]
        if len(details) > DETAIL_LINES:
            lines.append(f"      ... and {len(details) - DETAIL_LINES} more")
    if violation.operation:
        lines.append(f"  operation:  {_one_line(violation.operation, FIELD_LIMIT)}")
    if violation.received is not None:
        lines.append(f"  received:   {_one_line(violation.received, FIELD_LIMIT)}")
    if violation.documented is not None:
        lines.append(f"  documented: {_one_line(violation.documented, FIELD_LIMIT)}")
    if violation.source:
        lines.append(f"  source:     {_one_line(_followable(violation.source), FIELD_LIMIT * 2)}")
    return lines


def block(item: pytest.Item, violation: Any, exchanges: int) -> list[str]:
    """The compact block: the test id on one line, then the rule and its grade, what broke, received versus
    documented, the source and where the request, response and curl are."""
    lines = [item.nodeid]
    if _is_warnings(violation):
        lines.append(f"  {essence(violation)} (--strict makes them fail)")
        lines += [
            f"  [{each.grade}] {each.check}: {_one_line(str(each.message), FIELD_LIMIT)}"
            for each in violation.violations[:DETAIL_LINES]
        ]
        if len(violation.violations) > DETAIL_LINES:
            lines.append(f"  ... and {len(violation.violations) - DETAIL_LINES} more warning(s), all in results.json")
    else:
        lines += _violation_lines(violation)
    for note in getattr(violation, "__notes__", []):
        if str(note).startswith("also "):  # the warnings seen before the blocking failure
            lines += [f"  {line.strip()}" for line in str(note).splitlines() if line.strip()][: DETAIL_LINES + 1]
    if NOTE in item.stash:
        lines.append(f"  deviation:  {item.stash[NOTE]}")
    lines.append(f"  evidence:   {_evidence(item.config, exchanges)}; traceback: -v")
    return [redact_text(line) for line in lines]


def longrepr(item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport, exchanges: int) -> Any:
    """The report's new ``longrepr``: the compact block (the traceback under ``-v``) with a one-line crash
    message; ``None`` when the failure is not a graded rule (pytest's own report stays)."""
    violation = call.excinfo.value if call.excinfo is not None else None
    if violation is None or not applies(violation):
        return None
    if item.config.option.verbose >= 1:
        text = redact_text(str(report.longrepr))
        if NOTE in item.stash and not text.startswith(item.stash[NOTE]):
            text = f"{item.stash[NOTE]}\n{text}"
        lines = text.splitlines()
    else:
        lines = block(item, violation, exchanges)
    path, lineno = str(item.location[0]), (item.location[1] or 0) + 1
    crash = ReprFileLocation(path, lineno, essence(violation))
    return ReprExceptionInfo(reprtraceback=ReprTracebackNative([line + "\n" for line in lines]), reprcrash=crash)


def is_compact(value: Any) -> bool:
    """A longrepr this module built (already redacted, to be kept as an object, not turned into text)."""
    return isinstance(value, ReprExceptionInfo)


def properties(item: pytest.Item, violation: Any) -> list[tuple[str, str]]:
    """JUnit ``<property>`` pairs of a graded failure (the grade is ``apiconform_grade``, added elsewhere)."""
    from apiconform.reporting.allure_support import api_of, environment_of

    pairs = [
        ("category", "warning" if _is_warnings(violation) else str(violation.category)),
        ("rule", str(violation.check)),
        ("source", _one_line(_followable(str(violation.source or "")), 600)),
        ("api", api_of(item) or ""),
        ("environment", environment_of(item) or ""),
    ]
    return [(PROPERTY_PREFIX + name, redact_text(value)) for name, value in pairs if value]


def traceback_text(report: pytest.TestReport) -> str:
    """pytest's own report of the failure, redacted (kept for Allure when the terminal shows the block)."""
    return redact_text(str(report.longrepr)) if report.longrepr is not None else ""
