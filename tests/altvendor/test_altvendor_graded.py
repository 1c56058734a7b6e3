"""Graded verdicts against the conforming alt vendor: no failure on a clean run, every warning listed with its
rule and grade (terminal, results JSON, JUnit, Allure), ``strict`` making them fail, and each of the vendor's
regressions failing a test the clean run passes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.altvendor.runs import run, run_all
from tests.altvendor.server import AltVendor
from tests.altvendor.target import write_config
from tests.child_runs import run_pytest


@pytest.mark.slow
def test_the_conforming_vendor_fails_nothing_and_every_warning_is_listed_with_its_grade(
    clean_run: dict[str, Any],
) -> None:
    tests, output = clean_run["tests"], clean_run["_output"]
    assert clean_run["_exit"] == 0, output[-3000:]
    assert [t["nodeid"] for t in tests if t["outcome"] in ("failed", "error")] == []
    counts = clean_run["counts"]
    assert counts["warnings"] > 0 and set(counts["warnings_by_grade"]) <= {"assumption", "recommended"}
    warned = [t for t in tests if t["warnings"]]
    assert warned and all(t["outcome"] == "passed" for t in warned)
    distinct = {(w["grade"], w["check"], w["message"]) for t in warned for w in t["warnings"]}
    listed = output.count("  WARNING [")
    assert listed == min(len(distinct), 20), output[-3000:]
    assert f"{counts['warnings']} warning(s), {len(distinct)} distinct" in output
    assert "WARNING [assumption] error_body_documented: the 401 body breaks its schema" in output


@pytest.mark.slow
def test_a_warning_is_graded_in_junit_and_allure(clean_run: dict[str, Any]) -> None:
    folder: Path = clean_run["_folder"]
    junit = (folder / "junit.xml").read_text(encoding="utf-8")
    assert '<property name="apiconform_warning" value="[assumption] error_body_documented"' in junit
    assert "<failure" not in junit
    results = [json.loads(p.read_text(encoding="utf-8")) for p in (folder / "allure").glob("*-result.json")]
    warned = [r for r in results if any(lb["name"] == "tag" and lb["value"] == "warning" for lb in r["labels"])]
    assert warned and all(r["status"] == "passed" for r in warned)
    assert all("RuleWarnings: [warning] " in r["statusDetails"]["message"] for r in warned)
    assert all(
        {lb["value"] for lb in r["labels"] if lb["name"] == "grade"} <= {"assumption", "recommended"} for r in warned
    )
    categories = json.loads((folder / "allure" / "categories.json").read_text(encoding="utf-8"))
    assert categories[0]["name"].startswith("Warnings") and "passed" in categories[0]["matchedStatuses"]


@pytest.mark.slow
def test_strict_makes_the_warnings_fail(vendor: AltVendor, tmp_path: Path) -> None:
    select = "test_bearer_token_refused and carrierx and sandbox and garbage"
    code, data, output = run(vendor, tmp_path / "plain", select)
    assert code == 0 and data["tests"] and {t["outcome"] for t in data["tests"]} == {"passed"}, output[-2000:]
    (tmp_path / "strict").mkdir()
    config, variables = write_config(vendor, tmp_path / "strict", "")
    strict = config.read_text(encoding="utf-8").replace(
        "[targets.altvendor]\n", "[targets.altvendor]\nstrict = true\n", 1
    )
    config.write_text(strict, encoding="utf-8")
    results = tmp_path / "strict" / "results.json"
    command = ["suites/test_auth.py", "-q", "-p", "no:cacheprovider", "-k", select]
    command += ["--config", str(config), "--target", "altvendor", "--results-json", str(results)]
    done = run_pytest(command, env={**os.environ, **variables})
    failed = [t for t in json.loads(results.read_text(encoding="utf-8"))["tests"] if t["outcome"] == "failed"]
    assert done.returncode == 1 and failed and len(failed) == len(data["tests"])
    assert all(t["grade"] == "assumption" and t["message"].startswith("[warning]") for t in failed)


@pytest.mark.slow
def test_a_failure_carries_its_grade_in_results_junit_and_allure(vendor: AltVendor, tmp_path: Path) -> None:
    vendor.set_regressions(["revoked-token-accepted"])
    args = ("--junitxml", str(tmp_path / "junit.xml"), "--alluredir", str(tmp_path / "allure"), "-k", "revoked")
    data = run_all(vendor, tmp_path, args=args)
    failed = [t for t in data["tests"] if t["outcome"] == "failed"]
    assert failed and {t["grade"] for t in failed} == {"standard"}, data["_output"][-2000:]
    assert data["counts"]["failures_by_grade"] == {"standard": len(failed)}
    junit = (tmp_path / "junit.xml").read_text(encoding="utf-8")
    assert junit.count('<property name="apiconform_grade" value="standard"') == len(failed)
    results = [json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "allure").glob("*-result.json")]
    graded = [r for r in results if r["status"] == "failed"]
    assert len(graded) == len(failed)
    assert all({"standard"} == {lb["value"] for lb in r["labels"] if lb["name"] == "grade"} for r in graded)
