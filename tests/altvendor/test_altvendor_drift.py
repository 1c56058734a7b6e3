"""Drift against the second, independent vendor: clean runs with other seeds report nothing; its own
three regressions (a numeric id, a spelled-out enum, a lost name) are each a breaking change of its kind,
and the field-type checks fail on them too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.altvendor.control import DRIFT_REGRESSIONS
from tests.altvendor.runs import run_all
from tests.altvendor.server import AltVendor

SUITES = ("suites/test_contract.py", "suites/test_field_types.py")


def _run(vendor: AltVendor, folder: Path, reports: Path, *args: str) -> dict[str, Any]:
    observed = ("--observed-dir", str(reports / "observed"), "--drift-report", str(reports / "drift.json"))
    return run_all(vendor, folder, suites=SUITES[0], args=(SUITES[1], *observed, *args))


@pytest.mark.slow
def test_clean_runs_report_no_drift_and_regressions_report_each_change(vendor: AltVendor, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    first = _run(vendor, tmp_path / "first", reports)
    assert first["_exit"] == 0, first["_output"][-3000:]
    assert "drift: no baseline yet" in first["_output"]
    for seed in (5, 17):
        again = _run(vendor, tmp_path / f"seed{seed}", reports, f"--hypothesis-seed={seed}")
        assert again["_exit"] == 0, again["_output"][-3000:]
        assert "0 new breaking, 0 additive change(s) in 14 operation(s)" in again["_output"], again["_output"][-3000:]
    vendor.set_regressions(sorted(DRIFT_REGRESSIONS))
    drifted = _run(vendor, tmp_path / "drifted", reports)
    assert drifted["_exit"] == 1
    failed = {t["nodeid"].split("::")[1].split("[")[0] for t in drifted["tests"] if t["outcome"] == "failed"}
    assert "test_response_fields_keep_types" in failed
    lines = [line for line in drifted["_output"].splitlines() if line.startswith("DRIFT [breaking]")]
    for env in ("sandbox", "production"):
        where = f"{env} att-end-customer-lookup lookupEndCustomer HTTP 200"
        assert f"DRIFT [breaking] type-changed {where} $[].accountId: string -> integer" in "\n".join(lines)
        assert f"DRIFT [breaking] became-nullable {where} $[].accountName" in "\n".join(lines)
        assert f"DRIFT [breaking] enum-value-new {where} $[].loaStatus: value 'Yes'" in "\n".join(lines)
    assert all("att-end-customer-lookup" in line for line in lines), lines
