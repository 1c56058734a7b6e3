"""The pytest plugin as a user meets it: `pytest suites/ --target NAME` with bad input gives one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_pytest(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "suites/test_isolation.py", "-q", "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--target", "nope"), "ERROR: apiconform: unknown target 'nope'; configured targets: embedded"),
        (("--sandbox-defect", "auth-ignore"), "unknown defect 'auth-ignore'. Did you mean 'auth-ignored'?"),
        (("--config", "missing.toml"), "configuration file missing.toml not found"),
    ],
)
def test_bad_input_is_one_line_not_a_traceback(args: tuple[str, ...], expected: str) -> None:
    done = run_pytest(*args)
    output = done.stdout + done.stderr
    assert done.returncode == 4, output[-2000:]
    assert expected in output
    assert "Traceback" not in output


def test_suites_run_against_the_embedded_target_by_default(tmp_path: Path) -> None:
    done = run_pytest("--results-json", str(tmp_path / "r.json"))
    assert done.returncode == 0, done.stdout[-2000:]
    assert "isolation" in done.stdout and "passed" in done.stdout
    assert (tmp_path / "r.json").is_file()


class _StoppedItem:
    """What the not-run report reads of a suite test (or, with ``concern=False``, of any other test)."""

    nodeid = "suites/test_auth.py::test_x[a]"
    location = ("suites/test_auth.py", 41, "test_x[a]")
    path = ROOT / "suites" / "test_auth.py"

    def __init__(self, concern: bool = True) -> None:
        self.concern = concern
        self.keywords = {"test_x[a]": 1, "concern": 1}
        self._report_sections = [("setup", "stdout", "printed")]
        self.user_properties: list[tuple[str, object]] = []

    def get_closest_marker(self, name: str) -> object | None:
        return object() if self.concern and name == "concern" else None


def _raising(exc: BaseException) -> pytest.CallInfo[None]:
    def stop() -> None:
        raise exc

    return pytest.CallInfo.from_call(stop, "setup")


def test_a_not_run_suite_test_is_reported_skipped_without_a_formatted_traceback() -> None:
    """Budget, write guard, role and configuration stops: a skipped report with the one-line reason, built by the
    plugin (pytest's own would format a traceback the plugin then throws away); anything else is pytest's."""
    from apiconform import plugin
    from apiconform.errors import BudgetExceeded

    call = _raising(BudgetExceeded("not run: the plan's budget of 3 requests affords the more decisive tests first"))
    report = plugin.pytest_runtest_makereport_not_run(_StoppedItem(), call)  # type: ignore[arg-type]
    assert report is not None and report.outcome == "skipped" and report.when == "setup"
    assert report.longrepr == (str(_StoppedItem.path), 41, f"Skipped: {call.excinfo.value}")  # type: ignore[union-attr]
    assert report.sections == [("Captured stdout setup", "printed")] and report.duration == call.duration
    assert plugin.pytest_runtest_makereport_not_run(_StoppedItem(concern=False), call) is None  # type: ignore[arg-type]
    failure = _raising(AssertionError("a real failure keeps pytest's traceback"))
    assert plugin.pytest_runtest_makereport_not_run(_StoppedItem(), failure) is None  # type: ignore[arg-type]
