"""Section 4: does ``-n 2`` (pytest-xdist, two workers) pay on this machine, and does the summary survive it?

``apiconform run ... -- -n 2`` hands ``-n 2`` to pytest unchanged. Under xdist the controller prints the
summary from what the workers send back, so each run's output is checked for the per-concern table and the
``requests sent:`` line. The target applies to nightly, where the tests' own work dominates: two workers
halve it. A quick run spends about two thirds of its few seconds starting, collecting and reporting, which
each worker repeats rather than shares, so its speed-up is shown without a target.
"""

from __future__ import annotations

import re

from bench.common import MeasureError, SuiteRun, apiconform_run, run_timeout
from bench.model import Row, Section, verdict
from bench.rates import CONCERNS
from bench.stats import Stat

TITLE = "4. Two xdist workers vs none (`apiconform run -- -n 2` / `-- -n 0`)"
TARGET = 1.7
HEADER = re.compile(r"concern\W+passed\W+failed")


def summary_problems(run: SuiteRun) -> list[str]:
    """What is missing from the terminal summary of one run (empty: intact)."""
    output = run.completed.output
    problems = []
    if not HEADER.search(output):
        problems.append("no per-concern summary table")
    table_lines = [line for line in output.splitlines() if line.count("│") >= 3 or line.count("|") >= 3]
    missing = [c for c in CONCERNS if not any(re.search(rf"\b{re.escape(c)}\b", line) for line in table_lines)]
    if missing:
        problems.append(f"concerns missing from the table: {', '.join(missing)}")
    if "requests sent:" not in output:
        problems.append("no `requests sent:` line")
    return problems


def _compare(profile: str, repeat: int, section: Section) -> None:
    timeout = run_timeout(profile)
    runs: dict[str, list[SuiteRun]] = {"2": [], "0": []}
    for _ in range(repeat):
        for workers in ("2", "0"):  # interleaved, so a slow spell of the machine hits both
            runs[workers].append(apiconform_run(["--profile", profile], ["-n", workers], timeout=timeout))
    wall = {workers: Stat.of([run.wall for run in rs]) for workers, rs in runs.items()}
    speedup = Stat.of([zero.wall / two.wall for two, zero in zip(runs["2"], runs["0"], strict=True)])
    problems: dict[str, list[str]] = {}
    for workers in ("0", "2"):
        problems[workers] = sorted({p for run in runs[workers] for p in summary_problems(run)})
        requests = Stat.of([run.requests for run in runs[workers]])
        exits = sorted({run.completed.returncode for run in runs[workers]})
        note = f"{requests.median:.0f} requests" + (f"; exit {exits}" if exits != [0] else "")
        section.rows.append(Row.of(f"{profile} -n {workers}: wall time", wall[workers], "{:.1f}", " s", note=note))
        section.data.setdefault(profile, {})[f"n{workers}"] = {
            "wall_seconds": wall[workers].as_dict(),
            "requests_sent": requests.as_dict(),
            "exit_codes": [run.completed.returncode for run in runs[workers]],
            "summary_problems": problems[workers],
        }
    broken = "; ".join(f"-n {w}: {', '.join(p)}" for w, p in problems.items() if p)
    section.rows.append(
        Row(
            f"{profile}: terminal summary (table, `requests sent:`)",
            "broken" if broken else "intact",
            str(len(runs["0"]) + len(runs["2"])),
            target="intact in both",
            verdict=verdict(not broken),
            note=broken,
        )
    )
    targeted = profile == "nightly"
    section.rows.append(
        Row.of(
            f"{profile}: speed-up -n 2 vs -n 0",
            speedup,
            "{:.2f}",
            "x",
            target=f">= {TARGET:g}x" if targeted else "",
            verdict=verdict(speedup.median >= TARGET) if targeted else "",
        )
    )
    section.data[profile]["speedup"] = speedup.as_dict()


def measure(repeat: int, fast: bool) -> Section:
    section = Section("parallel", TITLE)
    for profile, runs in (("quick", repeat), ("nightly", repeat)):
        if profile == "nightly" and fast:
            section.notes.append("nightly comparison skipped (--fast)")
            continue
        try:
            _compare(profile, runs, section)
        except MeasureError as exc:
            section.errors.append(f"{profile}: {exc}")
    section.notes.append("speed-up = wall(-n 0) / wall(-n 2), per pair of interleaved runs")
    return section
