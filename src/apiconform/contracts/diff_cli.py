"""The ``apiconform diff`` subcommand: arguments, the three outputs (terminal, Markdown, JSON), exit status.

Exit status: 0 when nothing fails per ``--fail-on`` (default: no breaking change), 1 when something does,
2 for bad input (a ``UsageError``, printed as one line by the CLI). The comparison is imported only when the
command runs, so registering the subcommand costs the other commands nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apiconform.contracts.diff import Change

FAIL_ON = ("breaking", "any", "never")
ARROW = "→"


def add_diff_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register ``diff`` on the CLI's subcommands."""
    parser = subparsers.add_parser(
        "diff",
        help="compare two versions of a contract: breaking and non-breaking changes",
        description="Compare two JSON Schemas, two OpenAPI 3.x documents or two folders of them (matched by "
        "relative path), classifying each change by the direction of the data.",
    )
    parser.add_argument("old", type=Path, metavar="OLD", help="the current contract (file or folder)")
    parser.add_argument("new", type=Path, metavar="NEW", help="the new contract (file or folder)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table instead of the listing")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the changes as JSON (- for stdout)")
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="breaking",
        help="exit 1 on breaking changes (default), on any change, or never",
    )
    parser.set_defaults(handler=run_diff)
    return parser


def run_diff(args: argparse.Namespace) -> int:
    from apiconform.contracts.diff import diff_paths

    changes = diff_paths(args.old, args.new)
    if args.json is not None:
        text = json.dumps(as_json(changes, args.old, args.new), indent=2, ensure_ascii=False) + "\n"
        if str(args.json) == "-":
            sys.stdout.write(text)
        else:
            args.json.write_text(text, encoding="utf-8")
    if args.markdown:
        sys.stdout.write(markdown(changes))
    elif str(args.json) != "-":
        print_listing(changes, args.old, args.new)
    breaking = any(change.verdict == "breaking" for change in changes)
    return int({"breaking": breaking, "any": bool(changes), "never": False}[args.fail_on])


def summary(changes: list[Change]) -> str:
    breaking = sum(change.verdict == "breaking" for change in changes)
    return f"{breaking} breaking, {len(changes) - breaking} non-breaking"


def _line(change: Change) -> str:
    also = f" (+{len(change.also)} more)" if change.also else ""
    return f"{change.location}{also}: {change.old} {ARROW} {change.new}  [{change.rule}, {change.direction}]"


def print_listing(changes: list[Change], old: Path, new: Path) -> None:
    """One line per change, grouped by class, breaking first."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, soft_wrap=True)
    if not changes:
        console.print(f"apiconform diff: no changes from {escape(str(old))} to {escape(str(new))}")
        return
    console.print(f"apiconform diff: {escape(str(old))} {ARROW} {escape(str(new))}: {summary(changes)}")
    for verdict, style in (("breaking", "bold red"), ("non-breaking", "green")):
        chosen = [change for change in changes if change.verdict == verdict]
        if chosen:
            console.print(f"[{style}]{verdict.capitalize()} ({len(chosen)})[/]")
            for change in chosen:
                console.print(f"  {escape(_line(change))}")


def markdown(changes: list[Change]) -> str:
    """A Markdown table of the changes (a sentence when there are none)."""
    if not changes:
        return "No changes.\n"

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    rows = ["| class | rule | direction | location | change |", "| --- | --- | --- | --- | --- |"]
    for change in changes:
        where = change.location + (f" (+{len(change.also)} more)" if change.also else "")
        rows.append(
            f"| {change.verdict} | `{change.rule}` | {change.direction} | {cell(where)} "
            f"| {cell(change.old)} {ARROW} {cell(change.new)} |"
        )
    return f"{summary(changes)}\n\n" + "\n".join(rows) + "\n"


def as_json(changes: list[Change], old: Path, new: Path) -> dict[str, object]:
    """The machine-readable form: both sides, the counts, every change."""
    breaking = sum(change.verdict == "breaking" for change in changes)
    return {
        "old": str(old),
        "new": str(new),
        "summary": {"breaking": breaking, "non-breaking": len(changes) - breaking},
        "changes": [change.as_json() for change in changes],
    }
