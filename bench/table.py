"""The results as people read them (rich tables, Markdown) and as machines do (JSON), from one list of sections.

Each section gets a table; the targets the issue states are gathered again at the end, so the pass/miss view
is one glance. JSON and Markdown are rewritten after every section: a bench that dies half-way still leaves
what it measured.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from apiconform.reporting.redaction import redact_text
from bench.model import MISS, NA, PASS, Row, Section

COLUMNS = ("figure", "median", "runs", "min–max", "target", "verdict", "note")


def _cells(row: Row) -> tuple[str, ...]:
    return (row.figure, row.value, row.runs, row.spread, row.target, row.verdict, row.note)


def _style(verdict: str) -> str:
    if verdict == PASS:
        return "green"
    if verdict == MISS:
        return "red"
    return "yellow" if verdict.startswith(NA) or verdict.startswith("below") else ""


def target_rows(sections: Iterable[Section]) -> list[tuple[str, Row]]:
    return [(s.title, row) for s in sections for row in s.rows if row.verdict]


def render(console: Console, sections: list[Section]) -> None:
    for section in sections:
        table = Table(title=f"{section.title}  ({section.seconds:.0f} s)", title_justify="left", expand=False)
        for column in COLUMNS:
            table.add_column(column, overflow="fold", max_width=70 if column == "note" else None)
        for row in section.rows:
            table.add_row(*_cells(row), style=_style(row.verdict))
        console.print(table)
        for line in ([f"skipped: {section.skipped}"] if section.skipped else []) + section.notes:
            console.print(f"  [dim]{escape(redact_text(line))}[/dim]")
        for error in section.errors:
            console.print(f"  [bold red]not measured: {escape(redact_text(error))}[/bold red]")
    summary = Table(title="Targets", title_justify="left")
    for column in ("section", "figure", "measured", "target", "verdict"):
        summary.add_column(column, overflow="fold")
    for title, row in target_rows(sections):
        summary.add_row(title.split(" ", 1)[0].rstrip("."), row.figure, row.value, row.target, row.verdict)
    console.print(summary)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(sections: list[Section], meta: dict[str, Any]) -> str:
    lines = [f"# apiconform bench ({meta['finished_at']})", "", f"`{meta['command']}`, {meta['seconds']:.0f} s.", ""]
    for section in sections:
        lines += [f"## {section.title} ({section.seconds:.0f} s)", ""]
        if section.rows:
            lines += ["| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
            lines += ["| " + " | ".join(_md_cell(c) for c in _cells(row)) + " |" for row in section.rows]
            lines.append("")
        for line in ([f"skipped: {section.skipped}"] if section.skipped else []) + section.notes:
            lines.append(f"- {line}")
        lines += [f"- **not measured**: {error}" for error in section.errors]
        lines.append("")
    lines += ["## Targets", "", "| section | figure | measured | target | verdict |", "| --- | --- | --- | --- | --- |"]
    for title, row in target_rows(sections):
        cells = (title.split(" ", 1)[0].rstrip("."), row.figure, row.value, row.target, row.verdict)
        lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def write(folder: Path, sections: list[Section], meta: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    meta = {**meta, "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    payload = {
        **meta,
        "sections": {s.key: s.as_dict() for s in sections},
        "targets": [{"section": t, **row.__dict__} for t, row in target_rows(sections)],
    }
    # Errors carry subprocess output and answers: through the project's one redaction step, like every report.
    (folder / "bench.json").write_text(redact_text(json.dumps(payload, indent=2)) + "\n", encoding="utf-8")
    (folder / "bench.md").write_text(redact_text(markdown(sections, meta)), encoding="utf-8")
