"""The detection matrix: every sandbox defect is caught by the concern meant for it, within a 300-request budget
per run; the clean sandbox raises no alarm over the whole quick profile."""

from __future__ import annotations

import pytest

from apiconform.sandbox.defects import DEFECTS
from apiconform.selfcheck.expectations import EXPECTED
from apiconform.selfcheck.matrix import Matrix, build_matrix

BUDGET = 300


def test_every_defect_has_an_expected_check() -> None:
    assert sorted(DEFECTS) == sorted(EXPECTED), "a defect without an expectation (or the reverse)"


@pytest.fixture(scope="module")
def matrix() -> Matrix:
    """Each defect run holds every suite, planned into 300 requests (decisive tests first; the rest not run);
    the clean run is the quick profile's whole run. ``apiconform selfcheck`` runs every defect unbudgeted."""
    return build_matrix(extra=("--max-requests", str(BUDGET)))


@pytest.mark.slow
def test_clean_sandbox_raises_no_alarm(matrix: Matrix) -> None:
    assert matrix.clean.tests, "the clean run executed no test"
    assert matrix.clean.exit_code == 0 and not [t for t in matrix.clean.tests if t["category"] == "budget-spent"]
    assert matrix.false_alarms == 0, [f"{t['nodeid']}: {t['message'][:300]}" for t in matrix.clean.failures]


@pytest.mark.slow
@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_defect_is_detected_in_expected_category(matrix: Matrix, defect: str) -> None:
    run = matrix.runs[defect]
    expected = EXPECTED[defect]
    assert run.detected_by(expected), (
        f"{defect} not caught by a {expected.concern} test with category {expected.category} within {BUDGET} "
        f"requests; failing instead: {run.failing_by_concern()}"
    )
    assert 0 < run.requests <= BUDGET, f"{defect}: {run.requests} requests sent"
    assert run.exit_code == 1, f"{defect}: the run exited {run.exit_code}"  # a finding outranks the spent budget
    assert all(t["category"] is not None for t in run.failures), f"{defect}: an uncategorised failure"
    assert not [t for t in run.failures if t["category"] == "budget-spent"]  # what was not run never fails
