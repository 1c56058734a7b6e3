"""Render the detection matrix: a terminal table, a Markdown page readable on its own, and JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from apiconform.reporting.progress import progress
from apiconform.reporting.redaction import redact_text
from apiconform.sandbox.defects import DEFECTS
from apiconform.selfcheck.expectations import EXPECTED
from apiconform.selfcheck.matrix import Matrix, Run, build_matrix
from apiconform.selfcheck.mutations import MutationReport, analyse


def _counts(run: Run) -> str:
    """Failing tests per concern, e.g. ``auth 146, environments 20``."""
    return ", ".join(f"{c} {len(n)}" for c, n in sorted(run.failing_by_concern().items())) or "-"


def _verdict(defect: str, run: Run) -> str:
    expected = EXPECTED.get(defect)
    if expected is None:
        return "NO EXPECTATION"
    if run.failed_by_rule(expected):
        return "detected"
    return "detected (warning)" if run.detected_by(expected) else "MISSED"


def as_table(matrix: Matrix) -> Table:
    table = Table(title="apiconform detection matrix")
    table.add_column("defect", no_wrap=True)
    table.add_column("expected concern / category", no_wrap=True)
    table.add_column("failing tests per concern")
    table.add_column("verdict", no_wrap=True)
    for defect, run in sorted(matrix.runs.items()):
        expected = EXPECTED.get(defect)
        table.add_row(
            defect,
            f"{expected.concern} / {expected.category}" if expected else "-",
            _counts(run),
            _verdict(defect, run),
        )
    clean_verdict = "clean" if not matrix.false_alarms else f"{matrix.false_alarms} FALSE ALARMS"
    table.add_row("(no defect)", "no failure", _counts(matrix.clean), clean_verdict)
    return table


def summary_line(matrix: Matrix) -> str:
    detected = len(matrix.runs) - len(matrix.undetected)
    by_rule = sum(1 for d, run in matrix.runs.items() if d in EXPECTED and run.failed_by_rule(EXPECTED[d]))
    return (
        f"detection rate {detected}/{len(matrix.runs)} ({matrix.detection_rate:.0%}; {by_rule} by a documented "
        f"or standard rule, {detected - by_rule} as warnings only), "
        f"false alarms {matrix.false_alarms}, wall time {matrix.wall_seconds:.0f} s"
    )


def as_markdown(matrix: Matrix) -> str:
    lines = [
        "# apiconform detection matrix",
        "",
        "Every defect the embedded sandbox can plant, the concern whose tests must catch it, and the tests that",
        "failed with that defect on. A defect is *detected* when a test of the expected concern fails with the",
        "expected category. The last row is the sandbox with no defect: it must have no failure.",
        "",
        f"**{summary_line(matrix)}**",
        "",
        "| defect | what it breaks | expected concern / category | verdict | failing tests (concern: test) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for defect, run in sorted(matrix.runs.items()):
        expected = EXPECTED.get(defect)
        failing = "; ".join(
            f"{concern}: {', '.join(sorted(set(names))[:4])}"
            for concern, names in sorted(run.failing_by_concern().items())
        )
        lines.append(
            f"| `{defect}` | {DEFECTS.get(defect, '')} | "
            f"{f'{expected.concern} / {expected.category}' if expected else '-'} | {_verdict(defect, run)} | "
            f"{failing or 'none'} |"
        )
    clean = "; ".join(f"{c}: {', '.join(n)}" for c, n in matrix.clean.failing_by_concern().items())
    lines.append(
        f"| (no defect) | - | no failure | {'clean' if not matrix.false_alarms else 'FALSE ALARMS'} | "
        f"{clean or 'none'} |"
    )
    return redact_text("\n".join(lines)) + "\n"


def as_json(matrix: Matrix) -> dict[str, Any]:
    return {
        "detection_rate": matrix.detection_rate,
        "false_alarms": matrix.false_alarms,
        "wall_seconds": round(matrix.wall_seconds, 1),
        "undetected": matrix.undetected,
        "clean": {
            "failures": matrix.clean.failures,
            "tests": len(matrix.clean.tests),
            "requests": matrix.clean.requests,
            "seconds": round(matrix.clean.seconds, 1),
        },
        "defects": {
            defect: {
                "expected": EXPECTED[defect]._asdict() if defect in EXPECTED else None,
                "detected_by": run.detected_by(EXPECTED[defect]) if defect in EXPECTED else [],
                "failed_by_rule": run.failed_by_rule(EXPECTED[defect]) if defect in EXPECTED else [],
                "verdict": _verdict(defect, run),
                "failing": run.failing_by_concern(),
                "seconds": round(run.seconds, 1),
            }
            for defect, run in sorted(matrix.runs.items())
        },
    }


def mutations_markdown(report: MutationReport) -> str:
    lines = [
        "# Schema constraints and the defects they catch",
        "",
        "Each constraint of each response schema was weakened on its own; a constraint *catches* a defect when",
        "the defect's answers fail the documented schema but pass the weakened one.",
        "",
        f"Witnesses: {report.witnesses} successful answers, {report.failing_witnesses} of them non-conforming.",
        "",
        "| constraint | defects it catches |",
        "| --- | --- |",
        *(f"| `{c}` | {', '.join(sorted(d))} |" for c, d in sorted(report.exercised.items())),
        "",
        f"## Constraints no defect exercises ({len(report.unexercised)})",
        "",
        "Weakening one of these would go unnoticed by the detection matrix: candidates for new defects.",
        "",
        *(f"- `{gap}`" for gap in report.unexercised),
    ]
    return "\n".join(lines) + "\n"


def run_selfcheck(
    reports: Path, defects: list[str] | None = None, console: Console | None = None, mutations: bool = True
) -> int:
    """Build, print and write the matrix; exit 0 only with every defect detected and no false alarm."""
    console = console or Console(width=max(Console().width, 130))
    total = 1 + len(defects if defects is not None else DEFECTS)  # the clean run and one per defect
    with progress(console, total, "suite runs (clean, then one per defect)") as advance:

        def finished(run: Run) -> None:
            advance(f"{run.defect} {run.seconds:.0f} s")

        matrix = build_matrix(defects, progress=finished)
    console.print(as_table(matrix))
    console.print(summary_line(matrix))
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "selfcheck.md").write_text(as_markdown(matrix), encoding="utf-8")
    (reports / "selfcheck.json").write_text(redact_text(json.dumps(as_json(matrix), indent=2)), encoding="utf-8")
    console.print(f"written: {reports / 'selfcheck.md'}, {reports / 'selfcheck.json'}")
    if mutations:
        with console.status("weakening schema constraints one at a time"):
            report = analyse(defects)
        (reports / "schema-mutations.md").write_text(mutations_markdown(report), encoding="utf-8")
        console.print(
            f"schema constraints: {len(report.exercised) + len(report.unexercised)}, caught a defect: "
            f"{len(report.exercised)}, exercised by no defect: {len(report.unexercised)} "
            f"(see {reports / 'schema-mutations.md'})"
        )
    return 0 if not matrix.undetected and not matrix.false_alarms else 1
