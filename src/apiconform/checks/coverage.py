"""Rule to test, test to rule: which suite tests check each rule, read from the code itself.

A check rule (``checks.rules.CHECK_RULES``) is raised by name in a checks function; suite tests call those
functions, directly or through helpers. Following the calls (names, within ``checks/`` and each suite module)
gives, for every rule, the tests that can break it; no table to keep in step by hand. A contract rule is
checked by the contract and field-type tests of its operation (``[api:operationId:env]`` in the test id).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from apiconform.checks.rules import CHECK_RULES

CHECKS = Path(__file__).resolve().parent
CONTRACT_TESTS = ("test_positive_data_conforms", "test_negative_data_rejected", "test_response_fields_keep_types")


def _functions(path: Path) -> dict[str, tuple[set[str], set[str]]]:
    """Each function of a module: (rule names it mentions, names it calls)."""
    names = {rule.check for rule in CHECK_RULES}
    out: dict[str, tuple[set[str], set[str]]] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            mentioned, called = set(), set()
            for inner in ast.walk(node):
                if isinstance(inner, ast.Constant) and inner.value in names:
                    mentioned.add(str(inner.value))
                elif isinstance(inner, ast.Call):
                    func = inner.func
                    called.add(func.id if isinstance(func, ast.Name) else getattr(func, "attr", ""))
            out[node.name] = (mentioned, called)
    return out


def _closure(functions: dict[str, tuple[set[str], set[str]]], known: dict[str, set[str]]) -> dict[str, set[str]]:
    """Rules reachable from each function, through calls to functions here or already ``known``."""
    rules: dict[str, set[str]] = {name: set(mentioned) for name, (mentioned, _) in functions.items()}
    changed = True
    while changed:
        changed = False
        for name, (_, called) in functions.items():
            reach = set().union(*(rules.get(c, set()) | known.get(c, set()) for c in called)) if called else set()
            if not reach <= rules[name]:
                rules[name] |= reach
                changed = True
    return rules


@cache
def rule_tests(suites: Path) -> dict[str, tuple[str, ...]]:
    """Check rule -> the suite tests (``suites/test_x.py::test_name``) that can break it."""
    checks: dict[str, tuple[set[str], set[str]]] = {}
    for path in sorted(CHECKS.glob("*.py")):
        checks.update(_functions(path))
    known = _closure(checks, {})
    out: dict[str, set[str]] = {rule.check: set() for rule in CHECK_RULES}
    for module in sorted(suites.glob("test_*.py")):
        reach = _closure(_functions(module), known)
        for name, rules in reach.items():
            if name.startswith("test_"):
                for rule in rules:
                    out[rule].add(f"{module.parent.name}/{module.name}::{name}")
    generated = [f"{suites.name}/test_contract.py::{name}" for name in CONTRACT_TESTS[:2]]
    out["schemathesis"] |= set(generated)  # schemathesis's own checks, named at run time: the generated-data tests
    return {rule: tuple(sorted(tests)) for rule, tests in out.items()}


def keyword_for(rule: str, suites: Path) -> str:
    """A ``-k`` expression selecting the tests of a rule: a check rule name, or ``API:operationId``."""
    from apiconform.errors import UsageError

    tests = rule_tests(suites)
    if rule in tests:
        if not tests[rule]:
            raise UsageError(f"no suite test checks rule {rule!r}")
        return " or ".join(sorted({t.split("::")[1] for t in tests[rule]}))
    if rule.count(":") == 1 and all(rule.split(":")):
        return " or ".join(f"{test} and {rule}:" for test in CONTRACT_TESTS)
    import difflib

    close = difflib.get_close_matches(rule, list(tests), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise UsageError(
        f"unknown rule {rule!r}; {hint}give a check rule from `apiconform catalog` or API:operationId for a "
        "contract rule"
    )


def tests_of(rules: Iterable[str], suites: Path) -> list[str]:
    found = rule_tests(suites)
    return sorted({test for rule in rules for test in found.get(rule, ())})
