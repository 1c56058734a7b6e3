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
