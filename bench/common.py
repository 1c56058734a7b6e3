"""Bounded subprocesses and the ``apiconform run`` invocation every section shares.

Each child gets its own session so that a timeout kills it and everything it started (pytest workers, the
sandbox thread's process) by its process-group id, and nothing else.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "reports" / "bench"
NODE_BIN = ROOT / "node_modules" / ".bin"
LOOPBACK = "127.0.0.1"


def run_timeout(profile: str) -> float:
    """The deadline of one ``apiconform run`` of a profile: nightly takes about 30 s here, quick about 5."""
    return 1200 if profile == "nightly" else 300


class MeasureError(RuntimeError):
    """Something could not be measured at all (a crash, no results, a timeout): not a missed target."""


@dataclass
class Completed:
    command: list[str]
    returncode: int
    seconds: float
    output: str

    def tail(self, lines: int = 5) -> str:
        return " | ".join(self.output.strip().splitlines()[-lines:])


def run_bounded(command: Sequence[str], timeout: float, env: dict[str, str] | None = None) -> Completed:
    """Run from the repository root with a deadline; stdout and stderr together, as a terminal would show."""
    start = time.monotonic()
    with subprocess.Popen(
        list(command),
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(process)
            raise MeasureError(f"{' '.join(command[:6])} ... did not finish within {timeout:.0f} s") from None
    return Completed(list(command), process.returncode, time.monotonic() - start, output)


def kill_group(process: subprocess.Popen[Any]) -> None:
    """Stop a child started with ``start_new_session`` and whatever it started: TERM, then KILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue


APICONFORM = [sys.executable, "-m", "apiconform.cli"]


@dataclass
class SuiteRun:
    """One ``apiconform run`` against the embedded sandbox: its wall time, exit status, output and results."""

    completed: Completed
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def wall(self) -> float:
        return self.completed.seconds

    @property
    def requests(self) -> int:
        return int(self.results.get("requests_sent", 0))

    @property
    def test_seconds(self) -> float:
        return sum(float(t.get("seconds") or 0.0) for t in self.results.get("tests", []))

    def outcomes(self) -> dict[str, int]:
        return dict(self.results.get("counts", {}).get("outcomes", {}))

    def categories(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for test in self.results.get("tests", []):
            if test.get("outcome") in {"failed", "error"}:
                key = str(test.get("category") or "uncategorised")
                out[key] = out.get(key, 0) + 1
        return out


def apiconform_run(args: Sequence[str], pytest_args: Sequence[str] = (), timeout: float = 600) -> SuiteRun:
    """``apiconform run --no-html ARGS --reports <tmp> [-- PYTEST ARGS]``; results.json is required."""
    with tempfile.TemporaryDirectory(prefix="apiconform-bench-") as tmp:
        command = [*APICONFORM, "run", "--no-html", *args, "--reports", tmp]
        if pytest_args:
            command += ["--", *pytest_args]
        completed = run_bounded(command, timeout)
        results = Path(tmp) / "results.json"
        if not results.is_file():
            raise MeasureError(
                f"`apiconform run {' '.join([*args, *pytest_args])}` wrote no results.json "
                f"(exit {completed.returncode}): {completed.tail()}"
            )
        return SuiteRun(completed, json.loads(results.read_text(encoding="utf-8")))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float, process: subprocess.Popen[Any] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise MeasureError(f"the server meant for port {port} exited with status {process.returncode}")
        try:
            socket.create_connection((LOOPBACK, port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise MeasureError(f"nothing listened on {LOOPBACK}:{port} within {timeout:.0f} s")
