"""The alt vendor configured as a user would: tokens come from client credentials with Basic client
authentication at its separate token host, and the token and environment rules hold, from configuration alone.

Its other differences from our sandbox (error bodies, challenges, "no match" answers) are where our contracts
assume what the documentation does not say: warnings, graded by their rule, never failures; each of its
regressions breaks a documented or standard rule and fails a test that the clean run passes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.altvendor.control import REGRESSIONS
from tests.altvendor.server import AltVendor
from tests.altvendor.target import write_config

REPO = Path(__file__).resolve().parents[2]
TOKEN_RULES = (
    "test_valid_credentials_accepted or test_token_response_not_cacheable or test_wrong_token_credentials_refused"
    " or test_token_credentials_bound_to_environment or test_credentials_bound_to_environment"
)


def run(vendor: AltVendor, tmp_path: Path, select: str, overlay: bool = True) -> tuple[int, dict[str, Any], str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    config, variables = write_config(vendor, tmp_path, overlay=overlay)
    results = tmp_path / "results.json"
    command = [sys.executable, "-m", "pytest", "suites/test_auth.py", "suites/test_environments.py", "-q"]
    command += ["-p", "no:cacheprovider", "--config", str(config), "--target", "altvendor", "-k", select]
    command += ["--results-json", str(results)]
    env = {**os.environ, **variables}
    proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    output = proc.stdout + proc.stderr
    assert results.is_file(), output[-3000:]
    return proc.returncode, json.loads(results.read_text(encoding="utf-8")), output


@pytest.mark.slow
def test_tokens_from_a_separate_host_with_basic_client_authentication(vendor: AltVendor, tmp_path: Path) -> None:
    code, data, output = run(vendor, tmp_path, TOKEN_RULES)
    tests = data["tests"]
    assert code == 0, output[-3000:]
    assert [t for t in tests if t["outcome"] != "passed"] == [], output[-3000:]
    core = {t["name"].split("[")[0] for t in tests if "carrierx-core" in t["nodeid"]}
    assert core >= {
        "test_valid_credentials_accepted",
        "test_token_response_not_cacheable",
        "test_wrong_token_credentials_refused",
        "test_token_credentials_bound_to_environment",
    }
    assert not any("carrierx-core:updateEndpoint" in t["nodeid"] for t in tests)  # excluded by the target


@pytest.mark.slow
def test_a_refused_client_is_one_configuration_problem(vendor: AltVendor, tmp_path: Path) -> None:
    for env in ("sandbox", "production"):
        vendor.credentials[env]["carrierx-core"]["client_secret"] += "-wrong"
    try:
        code, data, output = run(vendor, tmp_path, "test_valid_credentials_accepted and carrierx")
    finally:
        for env in ("sandbox", "production"):
            vendor.credentials[env]["carrierx-core"]["client_secret"] = vendor.credentials[env]["carrierx-core"][
                "client_secret"
            ].removesuffix("-wrong")
    stopped = [t for t in data["tests"] if t["category"] == "configuration-problem"]
    assert code == 4 and stopped and len(stopped) == len(data["tests"]), output[-3000:]
    assert all(t["outcome"] == "skipped" for t in stopped)
    assert "the token endpoint refused credential 'carrierx-app' of sandbox (HTTP 401 invalid_client)" in output
    assert output.count("CONFIGURATION") == 2  # one line per environment, not one per test


@pytest.mark.slow
def test_the_vendors_documented_challenge_and_error_body_come_from_its_overlay(
    vendor: AltVendor, tmp_path: Path
) -> None:
    select = "att and test_api_key_credentials_refused"
    code, without, output = run(vendor, tmp_path / "plain", select, overlay=False)
    assert code == 0, output[-3000:]  # where our contract only assumes the challenge, another one is a warning
    warned = [w for t in without["tests"] for w in t["warnings"] if w["check"] == "challenge_header_present"]
    assert warned and {w["grade"] for w in warned} == {"assumption"}
    code, with_overlay, output = run(vendor, tmp_path / "overlaid", select)
    assert code == 0 and with_overlay["tests"], output[-3000:]
    assert {t["outcome"] for t in with_overlay["tests"]} == {"passed"}
    assert not [w for t in with_overlay["tests"] for w in t["warnings"]]  # documented by the overlay, and held


@pytest.mark.slow
def test_accepted_deviations_hold_until_they_expire(vendor: AltVendor, tmp_path: Path) -> None:
    """Without its overlay the alt vendor's challenge breaks our assumed one; a strict target accepts that
    deviation in sandbox until it expires, and in production it has expired."""
    rows = []
    for env, expires in (("sandbox", "2099-01-01"), ("production", "2020-01-01")):
        rows.append(
            f'[[deviation]]\ntest = "*att-end-customer-lookup*:{env}:*"\ncheck = "challenge_header_present"\n'
            'message = "the challenge is not the documented one"\n'
            f'reason = "ticket ALT-7: Basic realm until their gateway upgrade"\nexpires = {expires}\n'
        )
    (tmp_path / "deviations.toml").write_text("\n".join(rows), encoding="utf-8")
    config, variables = write_config(vendor, tmp_path, overlay=False)
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "[targets.altvendor]\n",
            f'[targets.altvendor]\nstrict = true\ndeviations = "{tmp_path / "deviations.toml"}"\n',
            1,
        ),
        encoding="utf-8",
    )
    results = tmp_path / "results.json"
    command = [sys.executable, "-m", "pytest", "suites/test_auth.py", "-q", "-p", "no:cacheprovider"]
    command += ["--config", str(config), "--target", "altvendor", "-k", "att and test_api_key_credentials_refused"]
    command += ["--results-json", str(results)]
    proc = subprocess.run(
        command, cwd=REPO, env={**os.environ, **variables}, capture_output=True, text=True, check=False
    )
    tests = json.loads(results.read_text(encoding="utf-8"))["tests"]
    sandbox = [t for t in tests if ":sandbox:" in t["nodeid"]]
    production = [t for t in tests if ":production:" in t["nodeid"]]
    assert sandbox and all(t["outcome"] == "skipped" and t["deviation"] == "accepted" for t in sandbox)
    assert production and all(t["outcome"] == "failed" and t["deviation"] == "expired" for t in production)
    assert proc.returncode == 1 and "accepted deviation expired on 2020-01-01" in proc.stdout
    assert "ACCEPTED" in proc.stdout


def run_all(
    vendor: AltVendor, folder: Path, deviations: Path | None = None, *, overlay: bool = True, args: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Every suite against the alt vendor, optionally with a deviations file; the results JSON (with the exit
    status and terminal output under ``_exit`` and ``_output``)."""
    folder.mkdir(parents=True, exist_ok=True)
    config, variables = write_config(vendor, folder, overlay=overlay)
    if deviations is not None:
        text = config.read_text(encoding="utf-8")
        config.write_text(
            text.replace("[targets.altvendor]\n", f'[targets.altvendor]\ndeviations = "{deviations}"\n', 1)
        )
    results = folder / "results.json"
    command = [sys.executable, "-m", "pytest", "suites/", "-q", "-p", "no:cacheprovider", "--config", str(config)]
    command += ["--target", "altvendor", "--results-json", str(results), *args]
    proc = subprocess.run(
        command, cwd=REPO, env={**os.environ, **variables}, capture_output=True, text=True, check=False
    )
    data: dict[str, Any] = json.loads(results.read_text(encoding="utf-8"))
    data["_exit"], data["_output"] = proc.returncode, proc.stdout + proc.stderr
    return data


@pytest.mark.slow
def test_recorded_deviations_keep_a_known_vendor_quiet_and_let_a_regression_through(
    vendor: AltVendor, tmp_path: Path
) -> None:
    """Record today's reviewed failures as deviations; the next clean run is quiet, a regression is not.

    Without its overlay the vendor's Basic challenge breaks our contract's assumed one: under --strict, the
    failures a team that has not written the overlay yet would record."""
    strict = ("--strict-grades",)
    baseline = run_all(vendor, tmp_path / "baseline", overlay=False, args=strict)
    assert any(t["outcome"] == "failed" for t in baseline["tests"])
    command = [
        sys.executable,
        "-m",
        "apiconform.cli",
        "deviations",
        "record",
        str(tmp_path / "baseline" / "results.json"),
    ]
    recorded = subprocess.run(
        [*command, "--reason", "reviewed with the vendor"], capture_output=True, text=True, cwd=REPO
    )
    assert recorded.returncode == 0 and "[[deviation]]" in recorded.stdout, recorded.stderr
    deviations = tmp_path / "deviations.toml"
    deviations.write_text(recorded.stdout, encoding="utf-8")
    quiet = run_all(vendor, tmp_path / "quiet", deviations, overlay=False, args=strict)
    assert [t["nodeid"] for t in quiet["tests"] if t["outcome"] in ("failed", "error")] == []
    assert any(t["deviation"] == "accepted" for t in quiet["tests"])
    vendor.set_regressions(["revoked-token-accepted"])
    regressed = run_all(vendor, tmp_path / "regressed", deviations, overlay=False, args=strict)
    caught = [t for t in regressed["tests"] if t["outcome"] == "failed"]
    assert caught and all("revoked-token" in t["nodeid"] for t in caught), [t["nodeid"] for t in caught]


@pytest.mark.slow
def test_a_token_host_that_checks_only_basic_is_caught(vendor: AltVendor, tmp_path: Path) -> None:
    """The target authenticates with Basic; a wrong secret sent in the body must get no token either."""
    vendor.set_regressions(["post-auth-secret-unchecked"])
    code, data, output = run(vendor, tmp_path, "test_wrong_token_credentials_refused")
    failed = [t for t in data["tests"] if t["outcome"] == "failed"]
    assert code == 1 and failed, output[-3000:]
    assert all(t["nodeid"].endswith(":wrong-secret-by-post]") and t["category"] == "auth-defect" for t in failed)


@pytest.fixture(scope="module")
def clean_run(vendor: AltVendor, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every suite against the clean alt vendor, with JUnit and Allure results beside the results JSON."""
    folder = tmp_path_factory.mktemp("clean")
    vendor.set_regressions([])
    args = ("--junitxml", str(folder / "junit.xml"), "--alluredir", str(folder / "allure"))
    data = run_all(vendor, folder, args=args)
    data["_folder"] = folder
    return data


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
    distinct = {(w["grade"], w["check"], w["detail"]) for t in warned for w in t["warnings"]}
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
    command = [sys.executable, "-m", "pytest", "suites/test_auth.py", "-q", "-p", "no:cacheprovider", "-k", select]
    command += ["--config", str(config), "--target", "altvendor", "--results-json", str(results)]
    proc = subprocess.run(command, cwd=REPO, env={**os.environ, **variables}, capture_output=True, text=True)
    failed = [t for t in json.loads(results.read_text(encoding="utf-8"))["tests"] if t["outcome"] == "failed"]
    assert proc.returncode == 1 and failed and len(failed) == len(data["tests"])
    assert all(t["grade"] == "assumption" and t["message"].startswith("[warning]") for t in failed)


@pytest.mark.slow
@pytest.mark.parametrize("regression", sorted(REGRESSIONS))
def test_each_regression_fails_a_test_the_clean_run_passes(
    vendor: AltVendor, tmp_path: Path, clean_run: dict[str, Any], regression: str
) -> None:
    if regression == "expired-token-accepted":
        vendor.set_token_lifetime(3)  # the target waits up to expiry_wait_seconds = 5 for a token to expire
    vendor.set_regressions([regression])
    regressed = run_all(vendor, tmp_path)
    passed_clean = {t["nodeid"] for t in clean_run["tests"] if t["outcome"] == "passed"}
    caught = [t for t in regressed["tests"] if t["outcome"] == "failed"]
    assert caught, f"{regression}: nothing failed\n{regressed['_output'][-2000:]}"
    assert regressed["_exit"] == 1
    assert all(t["grade"] in ("documented", "standard") for t in caught), [(t["nodeid"], t["grade"]) for t in caught]
    new = [t["nodeid"] for t in caught if t["nodeid"] in passed_clean or "expired-token" in t["nodeid"]]
    assert new == [t["nodeid"] for t in caught]


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
