"""Each of the alt vendor's regressions breaks a documented or standard rule: a test the clean run passes
fails, and the run exits 1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.altvendor.control import DRIFT_REGRESSIONS, REGRESSIONS
from tests.altvendor.runs import run_all
from tests.altvendor.server import AltVendor


@pytest.mark.slow
@pytest.mark.parametrize("regression", sorted(REGRESSIONS.keys() - DRIFT_REGRESSIONS))
def test_each_regression_fails_a_test_the_clean_run_passes(
    vendor: AltVendor, tmp_path: Path, clean_run: dict[str, Any], regression: str
) -> None:
    if regression == "expired-token-accepted":
        vendor.set_token_lifetime(2)  # the target waits up to expiry_wait_seconds = 5 for a token to expire
    vendor.set_regressions([regression])
    regressed = run_all(vendor, tmp_path, args=("-k", "sandbox"))  # both environments: the clean run's to show
    passed_clean = {t["nodeid"] for t in clean_run["tests"] if t["outcome"] == "passed"}
    caught = [t for t in regressed["tests"] if t["outcome"] == "failed"]
    assert caught, f"{regression}: nothing failed\n{regressed['_output'][-2000:]}"
    assert regressed["_exit"] == 1
    assert all(t["grade"] in ("documented", "standard") for t in caught), [(t["nodeid"], t["grade"]) for t in caught]
    new = [t["nodeid"] for t in caught if t["nodeid"] in passed_clean or "expired-token" in t["nodeid"]]
    assert new == [t["nodeid"] for t in caught]
