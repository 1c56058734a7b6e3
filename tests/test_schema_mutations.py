"""Mutation-style check: weakening the constraint a defect trips lets that defect through."""

from __future__ import annotations

import pytest

from apiconform.selfcheck.mutations import MutationReport, analyse

SHAPE_DEFECTS = {
    "field-type-drift": "att/end-customer.json#/properties/accountId: drop type",
    "enum-drift": "att/end-customer.json#/properties/loaStatus: drop enum",
    "nullable-drift": "att/end-customer.json#/properties/accountName: drop type",
    "required-field-missing": "chorus/test-result.json#/: drop required 'status'",
    "token-type-drift": "carrierx/oauth-token.json#/properties/token_type: drop const",
}


@pytest.fixture(scope="module")
def report() -> MutationReport:
    return analyse([*SHAPE_DEFECTS, "auth-ignored"])


@pytest.mark.slow
@pytest.mark.parametrize("defect", sorted(SHAPE_DEFECTS))
def test_weakening_the_constraint_lets_the_defect_through(report: MutationReport, defect: str) -> None:
    caught_by = [c for c, defects in report.exercised.items() if defect in defects]
    assert any(c.startswith(SHAPE_DEFECTS[defect]) for c in caught_by), caught_by


@pytest.mark.slow
def test_defects_that_do_not_change_shapes_exercise_no_constraint(report: MutationReport) -> None:
    assert not any("auth-ignored" in defects for defects in report.exercised.values())


@pytest.mark.slow
def test_gaps_are_reported(report: MutationReport) -> None:
    assert report.unexercised, "every constraint exercised: the gap list should then be empty on purpose"
    assert all("#" in gap and ": " in gap for gap in report.unexercised)
