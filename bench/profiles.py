"""Section 1: what each profile costs (requests, wall time) and what it buys (detection of planted defects).

The cost is ``apiconform run`` as a user runs it; the benefit is the focused detection matrix
(``apiconform.selfcheck.matrix``) at the same profile and budget. The quick profile is derandomised, so its
matrix gives the same rate every time: it runs once by default (``--matrix-repeat``), as does the nightly one,
which alone takes minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench import detection
from bench.common import MeasureError, SuiteRun, apiconform_run, run_timeout
from bench.model import Row, Section, verdict
from bench.stats import Stat

TITLE = "1. Profiles: cost and detection"
BUDGET = 300
QUICK_MAX_REQUESTS, QUICK_MAX_SECONDS = 600, 15.0
EXIT = {1: "1 (nonconformance)", 2: "2 (usage or configuration)", 3: "3 (target unavailable)", 4: "4 (budget spent)"}


@dataclass(frozen=True)
class Variant:
    label: str
    profile: str
    max_requests: int | None = None

    @property
    def args(self) -> list[str]:
        budget = ["--max-requests", str(self.max_requests)] if self.max_requests is not None else []
        return ["--profile", self.profile, *budget]


QUICK = Variant("quick", "quick")
NIGHTLY = Variant("nightly", "nightly")
QUICK_BUDGET = Variant(f"quick, budget {BUDGET}", "quick", BUDGET)


def _runs(variant: Variant, repeat: int) -> list[SuiteRun]:
    timeout = run_timeout(variant.profile)
    return [apiconform_run(variant.args, timeout=timeout) for _ in range(repeat)]


def _cost_rows(variant: Variant, runs: list[SuiteRun], section: Section) -> None:
    requests = Stat.of([run.requests for run in runs])
    wall = Stat.of([run.wall for run in runs])
    exits = sorted({run.completed.returncode for run in runs})
    note = "" if exits == [0] else f"exit {', '.join(EXIT.get(e, str(e)) for e in exits)}; {runs[-1].outcomes()}"
    is_quick = variant == QUICK
    section.rows.append(
        Row.of(
            f"{variant.label}: requests sent",
            requests,
            "{:.0f}",
            target=f"<= {QUICK_MAX_REQUESTS}" if is_quick else "",
            verdict=verdict(requests.median <= QUICK_MAX_REQUESTS) if is_quick else "",
            note=note,
        )
    )
    section.rows.append(
        Row.of(
            f"{variant.label}: wall time",
            wall,
            "{:.1f}",
            " s",
            target=f"< {QUICK_MAX_SECONDS:g} s" if is_quick else "",
            verdict=verdict(wall.median < QUICK_MAX_SECONDS) if is_quick else "",
        )
    )
    section.data.setdefault("runs", {})[variant.label] = {
        "requests_sent": requests.as_dict(),
        "wall_seconds": wall.as_dict(),
        "exit_codes": [run.completed.returncode for run in runs],
        "outcomes": runs[-1].outcomes(),
        "failed_by_category": runs[-1].categories(),
    }


def _detection_rows(variant: Variant, repeat: int, section: Section) -> None:
    timeout = 1500 if variant.profile == "nightly" else 600
    summaries = [detection.measure(variant.profile, variant.max_requests, timeout) for _ in range(repeat)]
    rate = Stat.of([100 * s["detection_rate"] for s in summaries])
    alarms = Stat.of([s["false_alarms"] for s in summaries])
    wall = Stat.of([s["wall_seconds"] for s in summaries])
    last = summaries[-1]
    budget = variant.max_requests is not None
    missed = f"undetected: {', '.join(last['undetected'])}" if last["undetected"] else ""
    section.rows.append(
        Row.of(
            f"{variant.label}: detection rate ({last['defects']} defects)",
            rate,
            "{:.1f}",
            "%",
            target="100%" if budget else "",
            verdict=verdict(rate.median >= 100) if budget else "",
            note=missed,
        )
    )
    spent = f"{last['clean_budget_spent']} of them budget-spent" if last["clean_budget_spent"] else ""
    section.rows.append(Row.of(f"{variant.label}: false alarms (clean run)", alarms, "{:.0f}", note=spent))
    section.rows.append(Row.of(f"{variant.label}: matrix wall time", wall, "{:.0f}", " s"))
    section.data.setdefault("detection", {})[variant.label] = summaries


def measure(repeat: int, matrix_repeat: int, fast: bool) -> Section:
    section = Section("profiles", TITLE)
    for variant in (QUICK, NIGHTLY, QUICK_BUDGET):
        if variant == NIGHTLY and fast:
            section.notes.append("nightly profile runs skipped (--fast)")
            continue
        try:
            _cost_rows(variant, _runs(variant, repeat), section)
        except MeasureError as exc:
            section.errors.append(f"{variant.label} run: {exc}")
    for variant in (QUICK, QUICK_BUDGET, NIGHTLY):
        if variant == NIGHTLY and fast:
            section.notes.append("nightly detection matrix skipped (--fast)")
            continue
        if variant == QUICK and fast:  # the budgeted matrix, which has the target, runs
            section.notes.append("unbudgeted quick detection matrix skipped (--fast)")
            continue
        try:
            _detection_rows(variant, 1 if variant == NIGHTLY else matrix_repeat, section)
        except MeasureError as exc:
            section.errors.append(f"{variant.label} detection matrix: {exc}")
    section.notes.append(
        "detection: the clean run over every suite, unbudgeted, then each defect: against the concern meant to "
        "catch it, or (budgeted) over every suite within the budget; `--strict-grades`, two processes at a time"
    )
    return section
