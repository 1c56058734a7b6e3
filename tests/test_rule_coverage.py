"""Rule to test, test to rule: every check rule is checked by a suite test found from the code, and
``apiconform run --rule`` runs exactly those tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apiconform.checks.coverage import keyword_for, rule_tests
from apiconform.checks.rules import CHECK_RULES
from apiconform.errors import UsageError
from tests.child_runs import run_cli

ROOT = Path(__file__).resolve().parents[1]
SUITES = ROOT / "suites"


def test_every_check_rule_has_a_test_in_its_own_concern() -> None:
    found = rule_tests(SUITES)
    assert set(found) == {rule.check for rule in CHECK_RULES}
    for rule in CHECK_RULES:
        assert found[rule.check], f"no suite test checks {rule.check}"
        modules = {test.split("::")[0] for test in found[rule.check]}
        assert f"suites/test_{rule.concern.replace('-', '_')}.py" in modules, (rule.check, modules)
    assert "suites/test_auth.py::test_api_key_credentials_refused" in found["wrong_secret_is_refused"]


def test_an_unknown_rule_is_one_line_with_a_suggestion() -> None:
    with pytest.raises(UsageError, match="did you mean 'wrong_secret_is_refused'"):
        keyword_for("wrong_secret_refused", SUITES)
    assert "test_positive_data_conforms and chorus-line-test:getTest:" in keyword_for(
        "chorus-line-test:getTest", SUITES
    )


def test_run_rule_runs_exactly_the_tests_of_the_rule(tmp_path: Path) -> None:
    done = run_cli(["run", "--no-html", "--reports", str(tmp_path), "--rule", "header_echoed"], cwd=ROOT)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-1000:]
    ran = {t["nodeid"].split("[")[0] for t in json.loads((tmp_path / "results.json").read_text())["tests"]}
    assert ran == set(rule_tests(SUITES)["header_echoed"]), ran
