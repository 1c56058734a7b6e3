"""``pytest suites/ ...`` and ``apiconform ...`` as a user runs them, for the tests: each a process of its own,
forked from a warm one.

Every such run used to be a new interpreter spending most of a second importing pytest, schemathesis,
hypothesis, httpx and FastAPI before its first test (an ``apiconform run``: two interpreters, the CLI's and
its pytest's). Each test worker keeps one warm process
(``apiconform.selfcheck.warm``) and forks the runs from it: each is still its own process with the
environment, working directory and arguments it is given, and nothing carries from one run to the next
(``tests/test_warm_runner.py``). Without ``os.fork`` a run is a new interpreter, as before.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from apiconform.selfcheck.warm import WarmRunner, available

REPO = Path(__file__).resolve().parents[1]
_LOCK = threading.Lock()
_WARM: list[WarmRunner] = []


@dataclass(frozen=True)
class Done:
    returncode: int
    output: str  # stdout and stderr, interleaved as written


def _warm() -> WarmRunner:
    with _LOCK:
        if not _WARM:
            runner = WarmRunner(REPO)
            atexit.register(runner.close, 60)  # a run left hanging by a failed test cannot hang the worker
            _WARM.append(runner)
        return _WARM[0]


def run_pytest(
    args: Sequence[str], *, cwd: Path = REPO, env: Mapping[str, str] | None = None, timeout: float = 300
) -> Done:
    """``python -m pytest ARGS`` in ``cwd`` with ``env`` (default: this process's environment)."""
    environment = dict(os.environ if env is None else env)
    if not available():
        command = [sys.executable, "-m", "pytest", *args]
        done = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout)
        return Done(done.returncode, done.stdout + done.stderr)
    with tempfile.TemporaryDirectory(prefix="apiconform-test-run-") as tmp:
        output = Path(tmp) / "output.txt"
        code = _warm().run(list(args), cwd, output, env=environment, timeout=timeout)
        return Done(code, output.read_text(encoding="utf-8", errors="replace"))


def run_cli(
    args: Sequence[str], *, cwd: Path = REPO, env: Mapping[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """``python -m apiconform.cli ARGS`` in ``cwd`` with ``env`` (default: this process's environment)."""
    environment = dict(os.environ if env is None else env)
    command = [sys.executable, "-m", "apiconform.cli", *args]
    if not available():
        return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout)
    with tempfile.TemporaryDirectory(prefix="apiconform-test-cli-") as tmp:
        out, err = Path(tmp) / "stdout.txt", Path(tmp) / "stderr.txt"
        code = _warm().run_cli(list(args), cwd, out, err, env=environment, timeout=timeout)
        read = {"encoding": "utf-8", "errors": "replace"}
        return subprocess.CompletedProcess(command, code, out.read_text(**read), err.read_text(**read))
