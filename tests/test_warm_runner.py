"""The detection matrix's warm runner: a forked run is the run a fresh interpreter makes, and carries nothing over."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from apiconform.selfcheck.matrix import Run, project_root, run_suites
from apiconform.selfcheck.warm import WarmRunner, available

pytestmark = pytest.mark.skipif(not available(), reason="no os.fork on this platform: runs are cold there")


def _verdicts(run: Run) -> dict[str, tuple[Any, Any]]:
    return {t["nodeid"]: (t["outcome"], t["category"]) for t in run.tests}


def test_forked_runs_match_fresh_interpreters_and_share_nothing() -> None:
    """A defect run, then a clean run, in forks of one warm process: each gives what a new interpreter gives
    (the clean one clean, so the defect's sandbox and the suites' module caches did not carry over)."""
    with WarmRunner(project_root()) as warm:
        broken = run_suites("org-data-leak", concern="isolation", runner=warm)
        clean = run_suites(None, concern="isolation", runner=warm)
    assert broken.exit_code == 1 and [t for t in broken.failures if t["category"] == "isolation-breach"]
    assert clean.exit_code == 0 and clean.tests and not clean.failures
    for warm_run, cold in (
        (broken, run_suites("org-data-leak", concern="isolation")),
        (clean, run_suites(None, concern="isolation")),
    ):
        assert (_verdicts(warm_run), warm_run.requests) == (_verdicts(cold), cold.requests)


def test_a_warm_process_that_dies_fails_the_run_instead_of_hanging(tmp_path: Path) -> None:
    with WarmRunner(project_root()) as warm:
        warm._process.kill()
        warm._process.wait()
        deadline = time.monotonic() + 10
        while not warm._gone and time.monotonic() < deadline:  # its reader sees the end of its output
            time.sleep(0.01)
        with pytest.raises(RuntimeError, match="exited before the run finished"):
            warm.run(["suites/test_isolation.py"], project_root(), tmp_path / "out.txt")


ENV_TEST = """
import os, time

def test_environment():
    assert os.environ.get("WARM_GIVEN") == "yes" and "WARM_INHERITED" not in os.environ

def test_slow():
    time.sleep(float(os.environ.get("WARM_SLEEP", "0")))
"""


def test_a_given_environment_is_the_runs_whole_environment_and_a_hanging_run_hangs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "test_env.py").write_text(ENV_TEST, encoding="utf-8")
    monkeypatch.setenv("WARM_INHERITED", "1")  # in the warm process's own environment
    given = {k: v for k, v in os.environ.items() if k != "WARM_INHERITED"} | {"WARM_GIVEN": "yes"}
    args = ["-q", "-p", "no:cacheprovider", "test_env.py"]
    with WarmRunner(project_root()) as warm:
        assert warm.run([*args, "-k", "environment"], tmp_path, tmp_path / "given.txt", env=given) == 0
        assert warm.run([*args, "-k", "environment"], tmp_path, tmp_path / "inherited.txt") == 1
        with pytest.raises(TimeoutError):
            slow = given | {"WARM_SLEEP": "60"}
            warm.run([*args, "-k", "slow"], tmp_path, tmp_path / "slow.txt", env=slow, timeout=0.2)
        start = time.monotonic()
        warm.close(timeout=0.5)  # the hanging run does not hang its closing
        assert time.monotonic() - start < 10
