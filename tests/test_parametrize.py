"""Suite tests take one ``case`` parameter, and the reports still see its fields (``apiconform.parametrize``)."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from apiconform.parametrize import CASE, ApiEnv, MatrixCase, covering, params_of
from apiconform.targets.session import Operation

ROOT = Path(__file__).resolve().parents[1]
FIELDS = {"api", "env", "operation", "variant", "pair"}


def _suite_tests() -> dict[str, set[str]]:
    """Every suite test function and the names of its arguments, read from the source."""
    found = {}
    for path in sorted((ROOT / "suites").glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                found[f"{path.name}::{node.name}"] = {a.arg for a in node.args.args}
    return found


def test_every_suite_test_takes_its_parameters_as_one_case() -> None:
    """One pytest parameter per test: four cost a one-request check as much again as its request (pytest makes a
    fixture of each, allure-pytest an entry of each)."""
    tests = _suite_tests()
    assert len(tests) >= 25
    offenders = {name: sorted(args & FIELDS) for name, args in tests.items() if CASE not in args or args & FIELDS}
    assert offenders == {}, "take `case` (an apiconform.parametrize case), not its fields as pytest parameters"


def _item(**params: Any) -> Any:
    return SimpleNamespace(callspec=SimpleNamespace(params=params))


def test_params_of_gives_the_reports_a_cases_fields_by_name() -> None:
    op = Operation("chorus", "getTest", "GET", "/tests/{testId}", {})
    case = MatrixCase("chorus", "sandbox", op, "no-token")
    assert params_of(_item(case=case)) == {"api": "chorus", "env": "sandbox", "operation": op, "variant": "no-token"}
    assert params_of(_item(case=ApiEnv("chorus", "production"))) == {"api": "chorus", "env": "production"}
    assert params_of(_item(other=3)) == {"other": 3}  # a user's own parameters are left as they are
    assert params_of(SimpleNamespace()) == {}  # not parametrized


def test_covering_keeps_the_case_type() -> None:
    cases = [
        MatrixCase("a", env, f"op{o}", f"v{v}") for o in range(2) for env in ("sandbox", "production") for v in range(2)
    ]
    quick = covering(cases, full=False)
    assert quick and all(isinstance(c, MatrixCase) for c in quick) and len(quick) < len(cases)


def test_a_case_repr_leaves_out_the_operations_contract_text() -> None:
    """allure-pytest represents every test parameter (twice per test): a case must not carry kilobytes."""
    operation = Operation("chorus-line-test", "listTests", "GET", "/tests", {"description": "x" * 5000})
    shown = repr(MatrixCase("chorus-line-test", "sandbox", operation, "wrong-secret"))
    assert "listTests" in shown and "GET" in shown and len(shown) < 300
