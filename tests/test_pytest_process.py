"""A run's pytest is forked from a single-threaded caller, is a new interpreter otherwise, and survives Ctrl-C
long enough to write its reports."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SAMPLE = """
import sys, time
from pathlib import Path

def test_forked():
    assert "caller_marker" in sys.modules  # a module only the caller imported: this process is its fork

def test_slow():
    Path("started").touch()  # the caller interrupts only now: pytest's session is under way
    time.sleep(20)
"""

CALLER = """
import signal, sys, threading, types, os
from pathlib import Path
from apiconform.pytest_process import run_pytest

sys.modules["caller_marker"] = types.ModuleType("caller_marker")
folder = Path(sys.argv[1])
args = ["-q", "-p", "no:cacheprovider", "test_sample.py"]
forked = run_pytest([*args, "-k", "forked"], folder)
stop = threading.Event()
thread = threading.Thread(target=stop.wait)
thread.start()
fresh = run_pytest([*args, "-k", "forked"], folder)  # another thread runs: a new interpreter
stop.set()
thread.join()

def interrupt(*_):
    if (folder / "started").exists():  # not while pytest still imports its plugins, however slow this machine
        signal.setitimer(signal.ITIMER_REAL, 0)
        os.killpg(os.getpgid(0), signal.SIGINT)  # as Ctrl-C at a terminal: the whole process group

signal.signal(signal.SIGALRM, interrupt)
signal.setitimer(signal.ITIMER_REAL, 0.1, 0.1)  # a fork does not inherit the timer: only the caller polls
interrupted = run_pytest([*args, "-k", "slow", "--junitxml", str(folder / "junit.xml")], folder)
print("codes", forked, fresh, interrupted)
"""


def test_forked_fresh_and_interrupted_runs(tmp_path: Path) -> None:
    (tmp_path / "test_sample.py").write_text(SAMPLE, encoding="utf-8")
    (tmp_path / "caller.py").write_text(textwrap.dedent(CALLER), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(tmp_path / "caller.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,  # the simulated Ctrl-C reaches this group only
    )
    assert "codes 0 1 2" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    assert (tmp_path / "junit.xml").is_file()  # the interrupted pytest still wrote its report


RAISING = """
from apiconform.pytest_process import exit_with
from apiconform.reporting.redaction import register_secret

register_secret("s3cr3t-in-a-crash-0042")

def crash() -> int:
    raise RuntimeError("pytest blew up holding s3cr3t-in-a-crash-0042")

exit_with(crash)
"""


EARLY_INTERRUPT = """
from apiconform.pytest_process import exit_with

def starting() -> int:
    raise KeyboardInterrupt  # as Ctrl-C lands while pytest still imports its plugins

exit_with(starting)
"""


def test_ctrl_c_before_the_session_is_interrupted_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "early.py").write_text(EARLY_INTERRUPT, encoding="utf-8")
    done = subprocess.run([sys.executable, str(tmp_path / "early.py")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == "apiconform: interrupted before the test session started"


def test_a_crash_in_the_child_exits_1_with_its_traceback_redacted(tmp_path: Path) -> None:
    (tmp_path / "raising.py").write_text(RAISING, encoding="utf-8")
    done = subprocess.run([sys.executable, str(tmp_path / "raising.py")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "RuntimeError: pytest blew up holding" in done.stderr, done.stderr
    assert "s3cr3t-in-a-crash-0042" not in done.stdout + done.stderr


EXITING = """
import sys
from apiconform.pytest_process import exit_with

def leave() -> int:
    sys.exit(None if sys.argv[1] == "none" else int(sys.argv[1]) if sys.argv[1].isdigit() else sys.argv[1])

exit_with(leave)
"""


def test_sys_exit_in_the_child_exits_as_the_interpreter_would(tmp_path: Path) -> None:
    """sys.exit() is 0, sys.exit(3) is 3, and sys.exit("why") prints why and is 1."""
    (tmp_path / "exiting.py").write_text(EXITING, encoding="utf-8")
    codes = {}
    for how in ("none", "3", "why-it-stopped"):
        done = subprocess.run(
            [sys.executable, str(tmp_path / "exiting.py"), how], capture_output=True, text=True, timeout=60
        )
        codes[how] = done.returncode
        if how == "why-it-stopped":
            assert "why-it-stopped" in done.stderr, done.stderr
    assert codes == {"none": 0, "3": 3, "why-it-stopped": 1}
