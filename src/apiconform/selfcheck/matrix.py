"""The detection matrix: the suites run against the sandbox once clean and once per defect.

Each run is a separate pytest process (a fresh sandbox, nothing shared), two at a time on this machine's two
cores, forked from one warm process that has done the imports they all need (``warm``). A defect counts as
detected only when a test of the concern meant for it fails with the expected category; the clean run must
fail nothing (zero false alarms). Runs use ``--strict-grades``: our sandbox honours our own assumptions, so the
clean run must not even warn, and a defect that breaks only an assumption shows as "detected (warning)": on a
real vendor it is a warning, not a failure.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apiconform.contracts.grades import Grade
from apiconform.sandbox.defects import DEFECTS
from apiconform.selfcheck.expectations import EXPECTED, Expected
from apiconform.selfcheck.warm import WarmRunner
from apiconform.selfcheck.warm import available as warm_available

CLEAN = "(none)"


@dataclass
class Run:
    defect: str
    exit_code: int
    seconds: float
    tests: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0

    @property
    def failures(self) -> list[dict[str, Any]]:
        return [t for t in self.tests if t["outcome"] in {"failed", "error"}]

    def failing_by_concern(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for test in self.failures:
            label = f"{test['name']} [{test['category'] or 'uncategorised'}]"
            out.setdefault(test["concern"], []).append(label)
        return out

    def detected_by(self, expected: Expected) -> list[str]:
        return [
            t["nodeid"]
            for t in self.failures
            if t["concern"] == expected.concern and t["category"] == expected.category
        ]

    def failed_by_rule(self, expected: Expected) -> list[str]:
        """Detections by a documented or standard rule: failures also without ``--strict-grades``."""
        blocking = {str(g) for g in Grade if g.blocking}
        detected = set(self.detected_by(expected))
        return [t["nodeid"] for t in self.failures if t["nodeid"] in detected and t.get("grade") in blocking]


@dataclass
class Matrix:
    clean: Run
    runs: dict[str, Run]
    wall_seconds: float

    @property
    def undetected(self) -> list[str]:
        return [d for d, run in self.runs.items() if d not in EXPECTED or not run.detected_by(EXPECTED[d])]

    @property
    def detection_rate(self) -> float:
        return (len(self.runs) - len(self.undetected)) / len(self.runs) if self.runs else 0.0

    @property
    def false_alarms(self) -> int:
        return len(self.clean.failures)


def project_root() -> Path:
    return Path(__file__).resolve().parents[3]


def suite_args(
    defect: str | None, results: Path, extra: Iterable[str] = (), concern: str | None = None, profile: str = "quick"
) -> list[str]:
    """pytest's arguments for one run over suites/ (or one concern's module) against a fresh embedded sandbox."""
    suites = f"suites/test_{concern.replace('-', '_')}.py" if concern else "suites"
    args = [suites, "-q", "-p", "no:cacheprovider", "--profile", profile, "--results-json", str(results)]
    args += ["--strict-grades", *extra]
    return [*args, "--sandbox-defect", defect] if defect else args


def run_suites(
    defect: str | None,
    extra: Iterable[str] = (),
    concern: str | None = None,
    profile: str = "quick",
    runner: WarmRunner | None = None,
) -> Run:
    """One pytest run of :func:`suite_args`: a fork of ``runner``'s warm process, or else a new interpreter."""
    root = project_root()
    with tempfile.TemporaryDirectory(prefix="apiconform-selfcheck-") as tmp:
        results, output = Path(tmp) / "results.json", Path(tmp) / "output.txt"
        args = suite_args(defect, results, extra, concern, profile)
        start = time.monotonic()
        if runner is not None:
            code = runner.run(args, root, output)
        else:
            with output.open("w", encoding="utf-8") as sink:
                command = [sys.executable, "-m", "pytest", *args]
                code = subprocess.run(command, cwd=root, stdout=sink, stderr=subprocess.STDOUT, check=False).returncode
        seconds = time.monotonic() - start
        if not results.is_file():
            tail = output.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
            raise RuntimeError(f"suite run for defect {defect or CLEAN} wrote no results: {' | '.join(tail)}")
        data = json.loads(results.read_text(encoding="utf-8"))
    return Run(defect or CLEAN, code, seconds, data["tests"], data.get("requests_sent", 0))


def build_matrix(
    defects: Iterable[str] | None = None,
    workers: int = 2,
    progress: Callable[[Run], None] | None = None,
    focused: bool = False,
    profile: str = "quick",
    extra: Iterable[str] = (),
) -> Matrix:
    """The clean run over every suite, then one run per defect: every suite (what ``selfcheck`` reports), or
    with ``focused`` only the concern expected to catch it (enough to prove detection; false alarms are the
    clean run's to prove). ``profile`` goes to every run and ``extra`` (pytest arguments, e.g. a request budget)
    to every defect run; the clean run is always the profile's whole run, so false alarms are judged on all of it."""
    chosen = list(defects) if defects is not None else sorted(DEFECTS)
    start = time.monotonic()
    passed = tuple(extra)

    def one(name: str) -> Run:
        if name == CLEAN:
            return run_suites(None, profile=profile, runner=warm)
        concern = EXPECTED[name].concern if focused and name in EXPECTED else None
        return run_suites(name, passed, concern=concern, profile=profile, runner=warm)

    with contextlib.ExitStack() as stack:
        warm = stack.enter_context(WarmRunner(project_root())) if warm_available() else None
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=workers))
        futures = {name: pool.submit(one, name) for name in [CLEAN, *chosen]}
        runs: dict[str, Run] = {}
        for name, future in futures.items():
            runs[name] = future.result()
            if progress:
                progress(runs[name])
    clean = runs.pop(CLEAN)
    return Matrix(clean, runs, time.monotonic() - start)
