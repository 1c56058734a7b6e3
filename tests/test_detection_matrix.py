"""The detection matrix: every sandbox defect is caught by the concern meant for it; no false alarm."""

from __future__ import annotations

import pytest

from apiconform.sandbox.defects import DEFECTS
from apiconform.selfcheck.expectations import EXPECTED
from apiconform.selfcheck.matrix import Matrix, build_matrix


def test_every_defect_has_an_expected_check() -> None:
    assert sorted(DEFECTS) == sorted(EXPECTED), "a defect without an expectation (or the reverse)"


@pytest.fixture(scope="module")
def matrix() -> Matrix:
    """Focused: each defect run holds only its expected concern (``apiconform selfcheck`` runs them all)."""
    return build_matrix(focused=True)


@pytest.mark.slow
def test_clean_sandbox_raises_no_alarm(matrix: Matrix) -> None:
    assert matrix.clean.tests, "the clean run executed no test"
    assert matrix.false_alarms == 0, [f"{t['nodeid']}: {t['message'][:300]}" for t in matrix.clean.failures]


@pytest.mark.slow
@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_defect_is_detected_in_expected_category(matrix: Matrix, defect: str) -> None:
    run = matrix.runs[defect]
    expected = EXPECTED[defect]
    assert run.detected_by(expected), (
        f"{defect} not caught by a {expected.concern} test with category {expected.category}; "
        f"failing instead: {run.failing_by_concern()}"
    )
    assert run.exit_code == 1, f"{defect}: the run exited {run.exit_code}"
    assert all(t["category"] is not None for t in run.failures), f"{defect}: an uncategorised failure"
