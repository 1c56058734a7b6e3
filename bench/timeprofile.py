"""Section 5: where the time of one quick run goes, by cProfile self time (tottime) bucketed by module.

cProfile sees only the thread it runs in: the embedded sandbox answers from a thread of the same process, so
its work shows up in the main thread as time waiting on the socket (the HTTP bucket), and the sandbox bucket
holds only what the main thread itself runs (building the app, provisioning). Built-ins (``~`` in pstats)
are attributed by name where it says what they are (socket, select, marshal); they and stdlib helpers
(json, typing, inspect, ...) are otherwise charged to their callers' buckets. The raw profile is kept under
reports/bench/ (``python -m pstats`` reads it).
"""

from __future__ import annotations

import pstats
import sys
import sysconfig
from pathlib import Path
from typing import Any

from bench.common import REPORTS, MeasureError, run_bounded
from bench.model import Row, Section

TITLE = "5. Where the time of a quick run goes (cProfile, main thread)"
PROFILE_FILE = "quick-run.prof"
# First match wins: reporting before start-up, so _pytest/junitxml.py counts as reporting.
BUCKETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("reporting", ("allure", "junit", "apiconform/reporting/")),
    ("start-up", ("<frozen importlib", "importlib/", "_pytest/", "pluggy/", "marshal.", "_imp.", "builtins.compile")),
    ("generation", ("hypothesis/", "schemathesis/generation", "hypothesis_jsonschema/")),
    ("validation", ("jsonschema/", "referencing/", "jsonschema_specifications/", "apiconform/checks/")),
    ("HTTP", ("httpx/", "httpcore/", "socket", "ssl", "selectors", "select.", "h11/", "_socket", "_ssl")),
    ("sandbox", ("apiconform/sandbox/", "starlette/", "uvicorn/", "anyio/")),
    ("waiting", ("time.sleep",)),  # the rate-limit suite waits for a window on purpose (Retry-After)
)
OTHER = "other"
ORDER = ("start-up", "generation", "validation", "HTTP", "reporting", "sandbox", "waiting", OTHER)
Key = tuple[str, int, str]


STDLIB = Path(sysconfig.get_paths()["stdlib"]).as_posix() + "/"


def bucket_of(filename: str, function: str = "") -> str | None:
    """The bucket a function's file (or a built-in's name) names; None for a built-in or stdlib helper it does
    not (``json``, ``typing``, ``inspect``, ...): those are charged to whoever called them."""
    text = (filename if filename != "~" else function).replace("\\", "/")
    for name, needles in BUCKETS:
        if any(needle in text for needle in needles):
            return name
    if filename == "~" or (text.startswith(STDLIB) and "site-packages/" not in text):
        return None
    return OTHER


def package_of(filename: str, function: str) -> str:
    """A readable owner for "other": the installed package and sub-package, apiconform's module, or stdlib's."""
    if filename == "~":
        return function
    path = filename.replace("\\", "/")
    for marker in ("site-packages/", "/src/"):
        if marker in path:
            parts = path.split(marker, 1)[1].split("/")
            return "/".join(parts[:2]).removesuffix(".py")
    if "/suites/" in path:
        return "suites/" + Path(path).stem
    return "stdlib " + Path(path).stem


Share = dict[str, float]


def attribute(stats: dict[Key, Any]) -> tuple[dict[str, float], dict[str, float]]:
    """Self seconds per bucket, and the biggest owners left in "other" (what the buckets do not name).

    A function no bucket names is split over its callers in proportion to the time each call accounts for,
    up the call graph until a named caller (the top of the stack counts as "other"; a cycle is cut where it
    closes, so a figure inside a recursive helper is an approximation).
    """
    memo: dict[Key, Share] = {}
    active: set[Key] = set()  # on the current path: a call back into it is a cycle, skipped

    def share_of(key: Key) -> Share:
        if key in memo:
            return memo[key]
        named = bucket_of(key[0], key[2])
        if named is not None:
            memo[key] = {named: 1.0}
            return memo[key]
        active.add(key)
        callers = stats[key][4] if key in stats else {}
        weights = {caller: entry[2] for caller, entry in callers.items() if caller not in active}
        total = sum(weights.values())
        result: Share = {}
        for caller, weight in weights.items():
            for bucket, part in share_of(caller).items():
                result[bucket] = result.get(bucket, 0.0) + part * weight / total
        active.discard(key)
        memo[key] = result or {OTHER: 1.0}
        return memo[key]

    buckets: dict[str, float] = dict.fromkeys(ORDER, 0.0)
    others: dict[str, float] = {}
    for key, entry in stats.items():
        tottime = entry[2]
        for bucket, part in share_of(key).items():
            buckets[bucket] += tottime * part
            if bucket == OTHER:
                owner = package_of(key[0], key[2])
                others[owner] = others.get(owner, 0.0) + tottime * part
    top = dict(sorted(others.items(), key=lambda item: -item[1])[:5])
    return buckets, top


def measure(folder: Path = REPORTS) -> Section:
    section = Section("timeprofile", TITLE)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / PROFILE_FILE
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "pytest", "suites", "--profile", "quick"]
    completed = run_bounded([*command, "-q", "-p", "no:cacheprovider", "-n", "0"], timeout=600)
    if not out.is_file():
        raise MeasureError(f"the profiled run wrote no profile (exit {completed.returncode}): {completed.tail()}")
    stats: dict[Key, Any] = pstats.Stats(str(out)).stats  # type: ignore[attr-defined]
    buckets, top_other = attribute(stats)
    profiled = sum(buckets.values())
    for name, seconds in buckets.items():
        share = 100 * seconds / profiled if profiled else 0.0
        section.rows.append(Row(f"{name}", f"{seconds:.2f} s", "1", note=f"{share:.0f}%"))
    section.rows.append(Row("total self time (main thread)", f"{profiled:.2f} s", "1"))
    section.rows.append(Row("wall total of the profiled run", f"{completed.seconds:.2f} s", "1"))
    if completed.returncode != 0:
        section.notes.append(f"the profiled run exited {completed.returncode}: {completed.tail(2)}")
    section.notes.append(
        "cProfile sees only the main thread: the sandbox answers from its own thread, so its work is counted as "
        "the main thread's wait in HTTP (socket, selectors); the sandbox bucket is only what the main thread runs"
    )
    section.notes.append("largest in other: " + ", ".join(f"{k} {v:.2f} s" for k, v in top_other.items()))
    section.notes.append(f"raw profile: {out} (`python -m pstats` reads it)")
    section.data = {
        "buckets_seconds": {k: round(v, 3) for k, v in buckets.items()},
        "buckets_percent": {k: round(100 * v / profiled, 1) if profiled else 0.0 for k, v in buckets.items()},
        "profiled_seconds": round(profiled, 3),
        "wall_seconds": round(completed.seconds, 3),
        "largest_in_other": {k: round(v, 3) for k, v in top_other.items()},
        "profile_file": str(out),
        "exit_code": completed.returncode,
    }
    return section
