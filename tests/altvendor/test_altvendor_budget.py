"""A small budget against the second vendor: planned before sending, held, and what did not fit is not run
(budget-spent), never failed; a regression is still caught within it."""

from __future__ import annotations

from pathlib import Path

from tests.altvendor.runs import run_all
from tests.altvendor.server import AltVendor

BUDGET = 150


def test_budget_is_planned_held_and_never_a_failure(vendor: AltVendor, tmp_path: Path) -> None:
    data = run_all(vendor, tmp_path, args=("--max-requests", str(BUDGET)))
    assert data["_output"].count(f"plan: the budget of {BUDGET} requests does not") == 1, data["_output"][-2000:]
    assert 0 < data["requests_sent"] <= BUDGET
    spent = [t for t in data["tests"] if t["category"] == "budget-spent"]
    assert spent and all(t["outcome"] == "skipped" for t in spent)
    assert not [t for t in data["tests"] if t["outcome"] in {"failed", "error"}], data["_output"][-2000:]
    assert data["plan"]["not_run"] == len(spent)


def test_a_regression_is_caught_within_the_budget(vendor: AltVendor, tmp_path: Path) -> None:
    vendor.set_regressions(["post-auth-secret-unchecked"])
    data = run_all(vendor, tmp_path, args=("--max-requests", str(BUDGET)))
    failed = [t for t in data["tests"] if t["outcome"] == "failed"]
    assert data["requests_sent"] <= BUDGET and data["_exit"] == 1
    assert failed and all(t["category"] == "auth-defect" for t in failed), [t["nodeid"] for t in failed]
