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

import pytest

from tests.altvendor.runs import run, run_all
from tests.altvendor.server import AltVendor
from tests.altvendor.target import write_config
from tests.child_runs import REPO, run_pytest

TOKEN_RULES = (
    "test_valid_credentials_accepted or test_token_response_not_cacheable or test_wrong_token_credentials_refused"
    " or test_token_credentials_bound_to_environment or test_credentials_bound_to_environment"
)


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
    command = ["suites/test_auth.py", "-q", "-p", "no:cacheprovider"]
    command += ["--config", str(config), "--target", "altvendor", "-k", "att and test_api_key_credentials_refused"]
    command += ["--results-json", str(results)]
    done = run_pytest(command, env={**os.environ, **variables})
    tests = json.loads(results.read_text(encoding="utf-8"))["tests"]
    sandbox = [t for t in tests if ":sandbox:" in t["nodeid"]]
    production = [t for t in tests if ":production:" in t["nodeid"]]
    assert sandbox and all(t["outcome"] == "skipped" and t["deviation"] == "accepted" for t in sandbox)
    assert production and all(t["outcome"] == "failed" and t["deviation"] == "expired" for t in production)
    assert done.returncode == 1 and "accepted deviation expired on 2020-01-01" in done.output
    assert "ACCEPTED" in done.output


@pytest.mark.slow
def test_recorded_deviations_keep_a_known_vendor_quiet_and_let_a_regression_through(
    vendor: AltVendor, tmp_path: Path
) -> None:
    """Record today's reviewed failures as deviations; the next clean run is quiet, a regression is not.

    Without its overlay the vendor's Basic challenge breaks our contract's assumed one: under --strict, the
    failures a team that has not written the overlay yet would record."""
    strict = ("--strict-grades",)
    baseline = run_all(vendor, tmp_path / "baseline", overlay=False, args=strict, suites="suites/test_auth.py")
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
    quiet = run_all(vendor, tmp_path / "quiet", deviations, overlay=False, args=strict, suites="suites/test_auth.py")
    assert [t["nodeid"] for t in quiet["tests"] if t["outcome"] in ("failed", "error")] == []
    assert any(t["deviation"] == "accepted" for t in quiet["tests"])
    vendor.set_regressions(["revoked-token-accepted"])
    regressed = run_all(
        vendor, tmp_path / "regressed", deviations, overlay=False, args=strict, suites="suites/test_auth.py"
    )
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
