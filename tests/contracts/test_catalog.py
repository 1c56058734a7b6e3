"""The rule catalog: complete (every operation), sourced (every rule), and readable as text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from apiconform.cli import main
from apiconform.contracts import api_documents
from apiconform.contracts.catalog import Rule, build_catalog, check_summary, render_markdown, render_table, summary
from apiconform.contracts.grades import Grade


@pytest.fixture(scope="module")
def rules() -> list[Rule]:
    return build_catalog()


def test_every_operation_of_every_api_appears(rules: list[Rule]) -> None:
    listed = {(rule.api, rule.operation) for rule in rules}
    expected = {
        (doc.name, f"{method} {path} ({operation['operationId']})")
        for doc in api_documents()
        for method, path, operation in doc.operations()
    }
    assert expected, "no OpenAPI document found under schemas/"
    assert expected <= listed, f"operations missing from the catalog: {sorted(expected - listed)}"


def test_every_operation_states_security_and_its_documented_statuses(rules: list[Rule]) -> None:
    for doc in api_documents():
        for method, path, operation in doc.operations():
            label = f"{method} {path} ({operation['operationId']})"
            own = [r for r in rules if r.api == doc.name and r.operation == label]
            assert any(r.location == "security" for r in own), f"{label}: no security rule"
            for status in operation.get("responses", {}):
                assert any(r.rule == f"status {status} documented" for r in own), f"{label}: {status} missing"


def test_no_rule_without_a_source(rules: list[Rule]) -> None:
    unsourced = [r for r in rules if not r.source.strip()]
    assert not unsourced, "rules without a source:\n" + "\n".join(map(str, unsourced[:20]))


def test_every_grade_is_used_and_an_assumed_source_is_never_a_documented_rule(rules: list[Rule]) -> None:
    assert {r.grade for r in rules} == set(Grade)
    assumed_sources = [r for r in rules if r.source.lower().startswith("assumption")]
    assert assumed_sources and all(not r.grade.blocking for r in assumed_sources)


def test_the_grade_is_shown_in_the_table_the_markdown_and_the_summary(rules: list[Rule]) -> None:
    text = summary(rules)
    for grade in Grade:
        assert re.search(rf"\b\d+ {grade}\b", text), text
    markdown = render_markdown(rules)
    assert "| location | rule | grade | source |" in markdown
    assert any(f"| {rule.grade} |" in markdown for rule in rules if rule.assumed)
    assert [c.header for c in render_table(rules).columns][3] == "Grade"


def test_portal_rules_are_readable(rules: list[Rule]) -> None:
    """Spot checks of the texts a QA engineer reads, on the portal (schemas/portal, this team's own)."""
    portal = [r for r in rules if r.api == "portal"]
    get_app = [r for r in portal if r.operation == "GET /v1/apps/{app_id} (getApp)"]
    assert any(r.location == "response 200" and r.rule == "must not carry client_secret" for r in get_app)
    assert any(r.location == "path app_id" and r.rule == "required" for r in get_app)
    assert any(
        r.location == "response 401 header WWW-Authenticate" and r.rule == 'const Basic realm="portal"' for r in get_app
    )
    contract = [r for r in portal if r.operation.endswith("(getContract)")]
    status = next(r for r in contract if r.location == "response 200: status" and r.rule.startswith("enum"))
    assert "pending_approval" in status.rule and "cancelled" in status.rule
    plans = [r for r in portal if r.operation.endswith("(listPlans)")]
    calls = "response 200: [].operation_limits[].calls"
    assert any(r.location == calls and r.rule == "minimum 1" for r in plans)
    assert any(r.rule.startswith("anyOf: limit | null") for r in plans)


def test_markdown_has_a_section_per_api_and_a_table_per_operation(rules: list[Rule]) -> None:
    text, sources = render_markdown(rules).split("\n## Sources\n")
    text, checks = text.split("\n## Rules the checks enforce\n")
    assert checks.count("\n| ") == 2 + 46  # header, separator and one row per check rule
    assert (
        "| att-ordering-api | AT&T | AT&T Alliance Ordering API | "
        "<https://devex-web.att.com/order/docs/get-started-with-ordering-api> |" in sources
    )
    assert "| akana-go-live |" in sources and "no URL recorded" in sources  # a document with no public page
    assert "[RFC 6749](https://www.rfc-editor.org/rfc/rfc6749)" in text  # a standard keeps its name, gains a link
    sections = re.findall(r"^## (\S+)$", text, flags=re.MULTILINE)
    assert sections == sorted({r.api for r in rules})
    operations = {(r.api, r.operation) for r in rules}
    assert text.count("| location | rule | grade | source |") == len(operations)
    # a pattern's "|" must not split a table cell
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            assert len(re.findall(r"(?<!\\)\|", line)) == 5, line


def test_table_groups_by_operation(rules: list[Rule]) -> None:
    table = render_table(rules)
    assert [c.header for c in table.columns] == ["API / operation", "Location", "Rule", "Grade", "Source"]
    assert table.row_count == len(rules)


def test_cli_prints_summary_and_writes_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "nested" / "c.md"
    assert main(["catalog", "--markdown", str(target)]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert re.fullmatch(
        r"\d+ APIs, \d+ operations, \d+ rules: \d+ documented, \d+ standard, \d+ recommended, \d+ assumption", first
    ), first
    assert first == summary(build_catalog())
    assert "apiconform rule catalog" in out
    assert check_summary() in out and "rules the checks enforce" in out
    assert "portal" in out and "getApp" in out
    assert target.read_text(encoding="utf-8").startswith("# apiconform rule catalog")


def test_every_check_the_code_names_is_graded_in_the_catalog() -> None:
    """The check names of every violation the checks and suites raise, read from their code."""
    import ast

    from apiconform.checks.rules import CHECK_RULES

    root = Path(__file__).resolve().parents[2]
    positions = {"ContractViolation": 1, "_violation": 0, "_expect_status": 0, "call_accepted": 1}
    named: set[str] = set()
    for path in [*(root / "src/apiconform/checks").glob("*.py"), *(root / "suites").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
                index = positions.get(name)
                if index is not None and len(node.args) > index and isinstance(node.args[index], ast.Constant):
                    named.add(str(node.args[index].value))
    graded = {rule.check for rule in CHECK_RULES}
    assert named - graded == set(), f"checks without a graded rule: {sorted(named - graded)}"
    assert graded - named <= {"schemathesis"}, (
        f"graded rules no check names: {sorted(graded - named - {'schemathesis'})}"
    )
    assert re.fullmatch(
        r"\d+ check rules: \d+ documented, \d+ standard, \d+ recommended, \d+ assumption, \d+ contract", check_summary()
    )


def test_the_catalog_names_the_tests_of_each_rule(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "catalog.md"
    done = subprocess.run(
        [sys.executable, "-m", "apiconform.cli", "catalog", "--markdown", str(out)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "run them: `apiconform run --rule att-end-customer-lookup:lookupEndCustomer`" in text
    row = next(line for line in text.splitlines() if line.startswith("| wrong_secret_is_refused |"))
    assert row.endswith("`test_api_key_credentials_refused` |"), row
    assert "Tests" in done.stdout and "--rule" in done.stdout
