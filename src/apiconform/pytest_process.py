"""pytest in a process of its own, forked from the caller where that is safe, else a new interpreter.

A run's pytest never shares the CLI's process (``runner`` says why), but it need not pay for a new
interpreter and for the imports the CLI has already made (configuration, contracts, jsonschema, pydantic,
httpx): a fork starts from them, and from everything else its parent has imported. Forking is only safe
from a single-threaded process, so with another thread running, or without ``os.fork`` (Windows), the run is
``python -m pytest`` as before. Either way the child has the terminal, the environment and the working
directory it is given, and the caller gets pytest's exit status.

Ctrl-C reaches both processes (one process group): the parent keeps waiting, so pytest can end its session
and write its reports (exit status 2, "interrupted"); a second Ctrl-C stops the child too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

UNHANDLED = 1  # an exception pytest did not handle: what ``python -m pytest`` exits with then
INTERRUPTED = 2  # pytest's own status for Ctrl-C, also when it comes before pytest could handle it
# pytest cannot rewrite the asserts of a plugin module its parent had imported already, and would warn about
# each: nothing to act on for a user (the suites' own modules are imported, and rewritten, in the child). First,
# so that a user's own ``-W`` still decides.
FORKED_ARGS = ("-W", "ignore::pytest.PytestAssertRewriteWarning")


def forkable() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1


def run_pytest(args: Sequence[str], cwd: Path) -> int:
    """``python -m pytest ARGS`` in ``cwd``; its exit status (negative: the signal that ended it)."""
    if not forkable():
        return subprocess.run([sys.executable, "-m", "pytest", *args], cwd=cwd, check=False).returncode
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        exit_with(lambda: pytest_here(args, cwd))
    return _wait(pid)


def pytest_here(args: Sequence[str], cwd: Path) -> int:
    """pytest in this (forked) process, as ``python -m pytest ARGS`` started in ``cwd`` would run it."""
    os.chdir(cwd)
    sys.path.insert(0, str(cwd))  # as ``python -m`` puts the working directory first
    full = [*FORKED_ARGS, *args]
    sys.argv = ["pytest", *full]
    import pytest

    return int(pytest.main(full))


def exit_with(run: Callable[[], int]) -> NoReturn:
    """In a forked child: exit with ``run()``'s status, and never return into the parent's code, whatever
    happens (an exception pytest did not handle is printed, redacted, and exits as ``python -m pytest`` would;
    Ctrl-C before pytest's session began is "interrupted", as pytest reports one during the session)."""
    code = UNHANDLED
    try:
        code = int(run())
    except SystemExit as exc:  # as the interpreter exits on one: None is 0, a message is printed and 1
        code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else UNHANDLED
        if not isinstance(exc.code, int | None):
            from apiconform.reporting.redaction import redact_text

            print(redact_text(str(exc.code)), file=sys.stderr)
    except KeyboardInterrupt:  # Ctrl-C while pytest was still starting (importing plugins): not a crash
        code = INTERRUPTED
        print("apiconform: interrupted before the test session started", file=sys.stderr)
    except BaseException:
        from apiconform.reporting.redaction import redact_text

        print(redact_text(traceback.format_exc()), file=sys.stderr)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)


def _wait(pid: int) -> int:
    try:
        try:
            _, status = os.waitpid(pid, 0)
        except KeyboardInterrupt:  # the child got it too: it ends its session and writes its reports
            _, status = os.waitpid(pid, 0)
    except KeyboardInterrupt:  # a second Ctrl-C: stop it
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    return os.waitstatus_to_exitcode(status)
