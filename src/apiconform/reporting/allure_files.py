"""Allure results written outside a pytest test: drift per operation, the go-live checklist.

These verdicts are computed after the suites ran (from observed shapes, results and configuration),
so there is no pytest item to attach them to. allure-python-commons' own model and file logger write
them, in the same folder as the suites' results, so one report shows everything. Every text passes
through the redaction step before it reaches a file.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from allure_commons.logger import AllureFileLogger
from allure_commons.model2 import Label, Parameter, Status, StatusDetails, TestResult, TestStepResult

from apiconform.reporting.redaction import redact_text

STATUSES = {"passed": Status.PASSED, "failed": Status.FAILED, "broken": Status.BROKEN, "skipped": Status.SKIPPED}


@dataclass(frozen=True)
class Step:
    name: str
    status: str = "passed"


@dataclass(frozen=True)
class AllureEntry:
    """One Allure test: where it sits (epic / feature / story), its verdict and what explains it."""

    name: str
    full_name: str  # stable across runs: Allure's history and retries key on it
    status: str  # passed / failed / broken / skipped
    epic: str
    feature: str
    story: str = ""
    message: str = ""
    description: str = ""  # Markdown
    labels: dict[str, str] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    parameters: dict[str, str] = field(default_factory=dict)
    steps: tuple[Step, ...] = ()


def _label_list(entry: AllureEntry) -> list[Label]:
    labels = [Label(name="epic", value=entry.epic), Label(name="feature", value=entry.feature)]
    if entry.story:
        labels.append(Label(name="story", value=entry.story))
    labels += [Label(name=k, value=redact_text(v)) for k, v in entry.labels.items()]
    labels += [Label(name="tag", value=t) for t in entry.tags]
    return labels


def write_entries(results_dir: Path, entries: list[AllureEntry]) -> int:
    """Write each entry as an Allure result file in ``results_dir``; the number written."""
    results_dir.mkdir(parents=True, exist_ok=True)
    logger = AllureFileLogger(str(results_dir))  # type: ignore[no-untyped-call]
    now = int(time.time() * 1000)
    for entry in entries:
        history = hashlib.md5(entry.full_name.encode("utf-8"), usedforsecurity=False).hexdigest()
        result = TestResult(
            uuid=str(uuid.uuid4()),
            historyId=history,
            testCaseId=history,
            fullName=entry.full_name,
            name=redact_text(entry.name),
            status=STATUSES[entry.status],
            start=now,
            stop=now,
            labels=_label_list(entry),
            parameters=[Parameter(name=k, value=redact_text(v)) for k, v in entry.parameters.items()],
            steps=[
                TestStepResult(name=redact_text(s.name)[:300], status=STATUSES[s.status], start=now, stop=now)
                for s in entry.steps
            ],
        )
        if entry.description:
            result.descriptionHtml = None
            result.description = redact_text(entry.description)
        if entry.message:
            result.statusDetails = StatusDetails(message=redact_text(entry.message))
        logger.report_result(result)  # type: ignore[no-untyped-call]
    return len(entries)
