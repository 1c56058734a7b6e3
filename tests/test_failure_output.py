"""What one failing suite test says on the terminal, in JUnit and in Allure (a real run on the embedded sandbox)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.child_runs import run_cli

ROOT = Path(__file__).resolve().parents[1]
NODEID = (
    "suites/test_field_types.py::test_response_fields_keep_types[att-end-customer-lookup:lookupEndCustomer:sandbox]"
)
ESSENCE = (
    "[contract-drift] field_type_conformance: 3 field(s) of the 200 response drift from the documented types: "
    "$[0].accountId: type 'string' violated by int 123456789 [documented] (+2 more)"
)
SOURCE = (
    'AT&T Alliance Ordering API <https://devex-web.att.com/order/docs/get-started-with-ordering-api>: "Sample Request '
    '... Associated Response"; AT&T Alliance Ordering API: "POST /api/v1/customerAccountLookup; headers client_id, '
    'client_secret, x-trace-id required, x-transaction-id, source optional; content-type: application/json"'
)
BLOCK = """\
suites/test_field_types.py::test_response_fields_keep_types[att-end-customer-lookup:lookupEndCustomer:sandbox]
  [contract-drift] field_type_conformance (grade: documented): 3 field(s) of the 200 response drift from the documented types:
      $[0].accountId: type 'string' violated by int 123456789 [documented]
      $[1].accountId: type 'string' violated by int 1234567890 [documented]
      $[2].accountId: type 'string' violated by int 1234000000 [documented]
  operation:  att-end-customer-lookup POST /api/v1/customerAccountLookup (sandbox)
  documented: the response schema in the OpenAPI document
  source:     AT&T Alliance Ordering API <https://devex-web.att.com/order/docs/get-started-with-ordering-api>: "Sample Request ... Associated Response"; AT&T Alliance Ordering API: "POST /api/v1/customerAccountLookup; headers client_id, client_secret, x-trace-id required, x-transaction-id, source optional; content-type: application/json"
  evidence:   request, response and curl (1 exchange(s)) attached in Allure: TMP/allure-results; results.json: TMP/results.json; traceback: -v
"""  # noqa: E501
TITLE = (
    "AT&T Alliance Ordering API: End-Customer Lookup, sandbox: every field of every successful response keeps its "
    "documented JSON type, format, enum and nullability (POST /api/v1/customerAccountLookup)"
)


def _run(tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "suites/test_field_types.py",
        "-k",
        "att and sandbox",
        "--sandbox-defect",
        "field-type-drift",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:xdist",
        "--junitxml",
        str(tmp / "junit.xml"),
        "--alluredir",
        str(tmp / "allure-results"),
        "--results-json",
        str(tmp / "results.json"),
        *extra,
    ]
    env = {k: v for k, v in os.environ.items() if k not in {"CI", "BUILD_NUMBER", "PYTEST_ADDOPTS"}}
    env["COLUMNS"] = "400"  # wide enough for pytest's FAILED line to carry the message
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env, check=False)


def _normalised(text: str, tmp: Path) -> str:
    text = text.replace(str(tmp), "TMP")
    return re.sub(r"in \d+\.\d+s", "in Ns", text)


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("failure-output")
    done = _run(tmp)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    return tmp, _normalised(done.stdout, tmp)


def _failure_section(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "= FAILURES =" in line)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith(("---", "===")))
    return lines[start + 1 : end]


def test_the_terminal_shows_one_compact_block(default_run: tuple[Path, str]) -> None:
    _, stdout = default_run
    section = _failure_section(stdout)
    assert (
        section[0].strip("_") == " test_response_fields_keep_types[att-end-customer-lookup:lookupEndCustomer:sandbox] "
    )
    assert "\n".join(section[1:]) + "\n" == BLOCK
    assert "Traceback" not in stdout and "def test_response_fields_keep_types" not in stdout
    assert len(stdout.splitlines()) < 40


def test_the_category_shows_once_in_each_failed_line(default_run: tuple[Path, str]) -> None:
    _, stdout = default_run
    failed = [line for line in stdout.splitlines() if line.lstrip().startswith("FAILED ")]
    assert len(failed) == 2  # the apiconform summary and pytest's short summary
    assert failed[0].startswith("  FAILED [contract-drift] field_type_conformance: 3 field(s) of the 200 response")
    assert failed[0].endswith("(documented)")  # one entry per failing rule, with its grade
    where = stdout.splitlines()[stdout.splitlines().index(failed[0]) + 1]
    assert where == "         in test_response_fields_keep_types[att-end-customer-lookup:lookupEndCustomer:sandbox]"
    assert failed[1] == f"FAILED {NODEID} - {ESSENCE}"
    for line in failed:
        assert line.count("[contract-drift]") == 1, line


def test_junit_has_a_one_line_message_and_the_rule_as_properties(default_run: tuple[Path, str]) -> None:
    tmp, _ = default_run
    case = ET.parse(tmp / "junit.xml").getroot().find(".//testcase")
    assert case is not None
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == ESSENCE
    assert len(ESSENCE) <= 200
    assert _normalised(failure.text or "", tmp) == BLOCK.rstrip("\n")
    properties = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert properties == {
        "apiconform_grade": "documented",
        "apiconform_category": "contract-drift",
        "apiconform_rule": "field_type_conformance",
        "apiconform_source": SOURCE,
        "apiconform_api": "att-end-customer-lookup",
        "apiconform_environment": "sandbox",
    }


def _allure_results(tmp: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in (tmp / "allure-results").glob("*-result.json")]


def test_allure_title_reads_as_a_sentence_and_keeps_the_pytest_id(default_run: tuple[Path, str]) -> None:
    tmp, _ = default_run
    (result,) = _allure_results(tmp)
    assert result["name"] == TITLE
    assert {"name": "pytest id", "value": repr(NODEID), "excluded": True} in result["parameters"]
    assert result["statusDetails"]["message"].count("[contract-drift] field_type_conformance") == 1
    traceback = next(a for a in result["attachments"] if a["name"] == "full traceback")
    text = (tmp / "allure-results" / traceback["source"]).read_text(encoding="utf-8")
    assert "fields_keep_types(target_session, env, operation)" in text  # the terminal's block, Allure's traceback


def test_verbose_shows_the_traceback_and_keeps_the_message(tmp_path: Path) -> None:
    done = _run(tmp_path, "-v")
    assert done.returncode == 1, done.stdout[-3000:]
    section = "\n".join(_failure_section(done.stdout))
    assert "def test_response_fields_keep_types" in section and "src/apiconform/checks/failures.py" in section
    assert (
        "E           apiconform.checks.failures.ContractViolation: [contract-drift] field_type_conformance" in section
    )
    assert "evidence:" not in section
    failure = ET.parse(tmp_path / "junit.xml").getroot().find(".//failure")
    assert failure is not None and failure.get("message") == ESSENCE


def test_a_two_defect_run_prints_under_200_lines_each_failing_rule_once(tmp_path: Path) -> None:
    command = ["run", "--no-html", "--reports", str(tmp_path)]
    command += ["--sandbox-defect", "field-type-drift", "--sandbox-defect", "auth-ignored"]
    done = run_cli(command, cwd=ROOT)
    lines = (done.stdout + done.stderr).splitlines()
    assert done.returncode == 1 and len(lines) < 200, len(lines)
    rules = [line for line in lines if line.startswith("  FAILED [")]
    assert len(rules) == len(set(rules)) >= 8  # one entry per failing rule, not per test
    assert "Traceback" not in done.stdout and any("failing rule(s)" in line for line in lines)
