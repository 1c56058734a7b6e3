"""The checklist three ways: the terminal, a Markdown file for the release ticket, Allure results.

Every text passes the redaction step on its way out (findings never hold a secret value, but a vendor's
answer quoted in one might).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.text import Text

from apiconform.golive.rules import ItemResult, Verdict
from apiconform.reporting.allure_files import AllureEntry, Step, write_entries
from apiconform.reporting.redaction import redact_text

EPIC = "Go-live readiness"
LABELS = {Verdict.PASS: "PASS", Verdict.FAIL: "FAIL", Verdict.UNKNOWN: "CANNOT TELL"}
STYLES = {Verdict.PASS: "bold green", Verdict.FAIL: "bold red", Verdict.UNKNOWN: "bold yellow"}
ALLURE_STATUS = {Verdict.PASS: "passed", Verdict.FAIL: "failed", Verdict.UNKNOWN: "skipped"}


def exit_code(results: list[ItemResult]) -> int:
    """0 only when every item passes; a failure or an item golive cannot tell keeps the gate closed."""
    return 0 if results and all(r.verdict is Verdict.PASS for r in results) else 1


def summary(results: list[ItemResult]) -> str:
    counts = {v: sum(1 for r in results if r.verdict is v) for v in Verdict}
    verdict = "READY" if exit_code(results) == 0 else "NOT READY"
    parts = ", ".join(f"{counts[v]} {v.value}" for v in Verdict)
    return f"{verdict}: {parts}"


def print_checklist(results: list[ItemResult], target: str, console: Console | None = None) -> None:
    console = console or _console()
    console.print(Text(f"Go-live readiness: target {target}", style="bold"))
    for number, result in enumerate(results, 1):
        line = Text(f"{number:>2}. ")
        line.append(f"{LABELS[result.verdict]:<11}", style=STYLES[result.verdict])
        line.append(f" {result.rule.title}")
        console.print(line)
        for finding in result.ordered:
            mark = {Verdict.PASS: "ok", Verdict.FAIL: "FAIL", Verdict.UNKNOWN: "??"}[finding.verdict]
            console.print(Text(f"      {mark:<4} {redact_text(finding.text)}"), soft_wrap=True)
        console.print(Text(f"      source: {result.rule.cite()}", style="dim"), soft_wrap=True)
    console.print(Text(summary(results), style=STYLES[Verdict.PASS if exit_code(results) == 0 else Verdict.FAIL]))


def _console() -> Console:
    probe = Console()
    return Console(width=None if probe.is_terminal else max(probe.width, 120))


def markdown(results: list[ItemResult], target: str, generated: datetime) -> str:
    lines = [
        f"# Go-live readiness: target `{target}`",
        "",
        f"Generated {generated.isoformat(timespec='seconds')} by `apiconform golive`. **{summary(results)}**",
        "",
        "| # | item | verdict |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {n} | {r.rule.title} | {LABELS[r.verdict]} |" for n, r in enumerate(results, 1)]
    for number, result in enumerate(results, 1):
        lines += [
            "",
            f"## {number}. {result.rule.title}: {LABELS[result.verdict]}",
            "",
            f"Rule: {result.rule.rule}",
            "",
        ]
        lines += [f"- **{LABELS[f.verdict]}** {_md(f.text)}" for f in result.ordered]
        lines += ["", "Source: " + "; ".join(_md(s.cite()) for s in result.rule.sources)]
    return redact_text("\n".join(lines) + "\n")


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def write_markdown(path: Path, results: list[ItemResult], target: str, generated: datetime) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown(results, target, generated), encoding="utf-8")


def allure_entries(results: list[ItemResult], target: str) -> list[AllureEntry]:
    """One Allure test per item, in its own epic; cannot tell is skipped (not run), not failed."""
    entries = []
    for number, result in enumerate(results, 1):
        reasons = [f.text for f in result.ordered]
        findings = [f"- {LABELS[f.verdict]}: {f.text}" for f in result.ordered]
        description = "\n".join(
            [f"**Rule:** {result.rule.rule}", "", *findings, "", "**Source:** " + result.rule.cite()]
        )
        entries.append(
            AllureEntry(
                name=f"{number}. {result.rule.title}",
                full_name=f"apiconform.golive.{target}.{result.rule.id}",
                status=ALLURE_STATUS[result.verdict],
                epic=EPIC,
                feature=f"target {target}",
                story=result.rule.title,
                message="\n".join(
                    r for f, r in zip(result.ordered, reasons, strict=True) if f.verdict is not Verdict.PASS
                )
                or reasons[0],
                description=description,
                labels={"golive_item": result.rule.id, "target": target},
                tags=("golive",),
                parameters={"target": target},
                steps=tuple(Step(f.text, ALLURE_STATUS[f.verdict]) for f in result.ordered),
            )
        )
    return entries


def write_allure(results_dir: Path, results: list[ItemResult], target: str) -> int:
    """Added beside the suites' results (the folder is not cleaned), so one report shows both."""
    return write_entries(results_dir, allure_entries(results, target))
