"""Budget-aware runs: the plan is made before anything is sent, spends a small budget on the decisive tests first,
and reports what it could not afford as not run (budget-spent, exit 4), never as a failure."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

from apiconform.parametrize import covering
from apiconform.planning.costs import Cost
from apiconform.planning.order import candidate, decisive_order
from apiconform.planning.plan import make_plan
from apiconform.targets.profiles import PROFILES
from tests.child_runs import run_cli

ROOT = Path(__file__).resolve().parents[1]
QUICK = PROFILES["quick"]


def apiconform(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return run_cli(args, cwd=cwd, timeout=300)


def results(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    return data


def auth_matrix(ops: int = 3, variants: int = 4) -> list[tuple[str, str, str, str]]:
    return [
        ("api", env, f"op{o}", f"v{v}")
        for o in range(ops)
        for env in ("sandbox", "production")
        for v in range(variants)
    ]


def test_covering_meets_every_variant_and_operation_with_fewer_cases() -> None:
    cases = auth_matrix(ops=3, variants=4)
    quick = covering(cases, full=False)
    assert covering(cases, full=True) == cases
    assert {(c[1], c[3]) for c in quick} == {(c[1], c[3]) for c in cases}  # every variant in every environment
    assert {(c[1], c[2]) for c in quick} == {(c[1], c[2]) for c in cases}  # every operation in every environment
    assert len(quick) == 8 < len(cases) == 24  # per environment max(variants, operations), not their product
    across = covering(cases, full=False, per_environment=False)
    assert {c[2] for c in across} == {"op0", "op1", "op2"} and len(across) == 4


def nodes(n: int, rule: str, cost: Cost, start: int = 0) -> list[Any]:
    return [candidate(f"suites/test_x.py::{rule}[api:op{i % 3}:sandbox:v{i}]", cost, start + i) for i in range(n)]


def matrix_nodes(rule: str, cost: Cost, start: int = 0) -> list[Any]:
    ids = [f"api:op{o}:{env}:v{v}" for o in range(3) for env in ("sandbox", "production") for v in range(2)]
    return [candidate(f"suites/test_x.py::{rule}[{i}]", cost, start + n) for n, i in enumerate(ids)]


def test_decisive_order_meets_every_variant_and_operation_before_repeating() -> None:
    refused = matrix_nodes("test_refused", Cost(1, 1))
    generated = matrix_nodes("test_generated", Cost(30, 2, "positive"), start=len(refused))
    order = decisive_order([*generated, *refused])
    assert {c.rule.split("::")[1] for c in order[:2]} == {"test_refused", "test_generated"}  # every rule first
    first = [c.parts for c in order if c.rule.endswith("test_refused")][:3]
    assert {p[1] for p in first} == {"op0", "op1", "op2"} and {p[3] for p in first} == {"v0", "v1"}
    assert {p[2] for p in first} == {"sandbox", "production"}


def test_budget_spends_one_request_per_variant_before_generated_depth() -> None:
    refused = matrix_nodes("test_refused", Cost(1, 1))
    generated = matrix_nodes("test_generated", Cost(30, 2, "positive"), start=len(refused))
    plan = make_plan([*refused, *generated], budget=60, requests_per_second=5, profile=QUICK)
    assert not plan.not_run  # every case runs; the generated ones with fewer examples
    assert plan.examples == {"positive": [QUICK.positive_examples, 1]} and plan.planned <= 60


def test_plan_fits_the_budget_and_says_what_it_leaves_out() -> None:
    tests = [*nodes(40, "test_refused", Cost(1, 1)), *nodes(20, "test_generated", Cost(7, 2, "positive"), start=40)]
    whole = make_plan(tests, budget=1000, requests_per_second=5, profile=QUICK)
    assert not whole.cut and whole.needed == 180 and whole.planned == 180
    assert "at 5/s that is 36 s" in whole.lines()[0]
    small = make_plan(tests, budget=60, requests_per_second=5, profile=QUICK)
    assert small.cut and small.planned <= 60 and small.not_run
    assert small.examples == {"positive": [QUICK.positive_examples, 1]}
    assert any("not run (budget-spent)" in line for line in small.lines())
    kept = {c.nodeid for c in tests} - small.skipped
    assert {c.rule for c in tests if c.nodeid in kept} == {c.rule for c in tests}  # every rule still checked


def test_small_budget_runs_the_decisive_tests_and_reports_the_rest_as_not_run(tmp_path: Path) -> None:
    done = apiconform("run", "--no-html", "--max-requests", "300", "--reports", str(tmp_path))
    assert done.returncode == 4, done.stdout[-3000:] + done.stderr[-2000:]
    out = done.stdout
    assert out.index("plan: the budget of 300 requests does not") < out.index("suites/test_auth.py")  # up front
    assert "BUDGET SPENT" in out and "budget spent:" in out
    data = results(tmp_path)
    assert 0 < data["requests_sent"] <= 300
    spent = [t for t in data["tests"] if t["category"] == "budget-spent"]
    assert spent and all(t["outcome"] == "skipped" for t in spent)  # not run, never failed
    assert not [t for t in data["tests"] if t["outcome"] in {"failed", "error"}]
    assert data["plan"]["not_run"] == len(spent) and data["plan"]["budget"] == 300
    assert {t["concern"] for t in data["tests"] if t["outcome"] == "passed"} == set(data["concerns"])
    categories = json.loads((tmp_path / "allure-results" / "categories.json").read_text(encoding="utf-8"))
    budget = next(c for c in categories if c["name"] == "Budget spent (not run)")
    allure = [json.loads(f.read_text(encoding="utf-8")) for f in (tmp_path / "allure-results").glob("*-result.json")]
    in_category = [
        r
        for r in allure
        if r["status"] in budget["matchedStatuses"]
        and re.fullmatch(budget["messageRegex"], r.get("statusDetails", {}).get("message", ""))
    ]
    assert len(in_category) == len(spent) and {r["status"] for r in in_category} == {"skipped"}  # Allure's view
    again = apiconform("run", "--plan", "--max-requests", "300", "--reports", str(tmp_path))
    assert again.returncode == 0 and "from earlier runs" in again.stdout
    learned = int(again.stdout.split("(")[1].split(" from earlier runs")[0])
    scripted = [t for t in data["tests"] if t["outcome"] == "passed" and not t["generated"]]
    assert learned == len(scripted)  # generated tests ran cut short: their full cost is still unknown


def test_workers_share_the_budget_and_the_plan_is_printed_once(tmp_path: Path) -> None:
    done = apiconform(
        "run", "--no-html", "--max-requests", "300", "--reports", str(tmp_path),
        "--", "-n", "2", "-p", "tests.progress_probe",
    )  # fmt: skip
    assert done.returncode == 4, done.stdout[-3000:]
    assert done.stdout.count("plan: the budget of 300 requests does not") == 1
    data = results(tmp_path)
    assert 0 < data["requests_sent"] <= 300
    assert "requests sent:" in done.stdout and "concern" in done.stdout  # the summary table is intact
    # The controller's time-left lines weigh every test by the workers' plan; what the plan skips weighs nothing.
    tests = len(data["tests"])
    assert f"progress weights: {tests} tests, {tests - data['plan']['not_run']} run" in done.stdout, done.stdout[-2000:]


SLOW_TARGET = """[targets.slow]
[targets.slow.budget]
requests_per_second = 5
max_requests = 100
[targets.slow.environments.sandbox]
base_urls = { chorus-line-test = "http://127.0.0.1:9/linetest" }
[targets.slow.environments.sandbox.credentials.main]
purpose = "main"
client_id = "PLAN_T_ID"
client_secret = "PLAN_T_SECRET"
"""


def plan_slow_target(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``apiconform run --plan`` for a configured target on a closed loopback port (nothing may be sent)."""
    config = tmp_path / "apiconform.toml"
    config.write_text(SLOW_TARGET, encoding="utf-8")
    env = {**os.environ, "PLAN_T_ID": "id-for-planning", "PLAN_T_SECRET": "secret-for-planning"}
    command = ["run", "--plan", "--target", "slow", "--config", str(config)]
    command += [*args, "--reports", str(tmp_path / "reports")]
    done = run_cli(command, cwd=tmp_path, env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_plan_says_how_long_at_the_target_rate_and_sends_nothing(tmp_path: Path) -> None:
    done = plan_slow_target(tmp_path, "--profile", "nightly")
    head = done.stdout.splitlines()[0]
    assert "at 5/s that is" in head and "min" in head, head  # port 9 refuses: a plan that sent would have failed
    assert "the budget of 100 requests does not" in done.stdout
    assert not (tmp_path / "reports" / "results.json").exists()


class _Item:
    """What the planner reads of a pytest item: its node id and its cost markers."""

    def __init__(self, nodeid: str, generated: str | None = None, requests: int | None = None) -> None:
        self.nodeid = nodeid
        self.markers = {"generated": generated, "requests": requests}

    def get_closest_marker(self, name: str) -> Any:
        value = self.markers.get(name)
        return None if value is None else type("Mark", (), {"args": (value,)})()


def test_xdist_workers_take_the_heaviest_tests_first() -> None:
    """Longest first: negative examples (slowest to generate) before more positive ones, scripted tests last, and
    equals in collection order, the same order in every worker (xdist compares them)."""
    from types import SimpleNamespace

    from apiconform.planning import expected_seconds, heaviest_first

    items = [
        _Item("a", requests=2),
        _Item("b", generated="positive"),
        _Item("c", generated="negative"),
        _Item("d", requests=2),
        _Item("e", generated="field_type"),
        _Item("f", generated="negative"),
    ]
    session = SimpleNamespace(target=SimpleNamespace(name="t"), profile=PROFILES["nightly"])
    expected = expected_seconds(SimpleNamespace(), session, items)  # type: ignore[arg-type]
    ordered = heaviest_first(items, expected)  # type: ignore[arg-type]
    assert [i.nodeid for i in ordered] == ["c", "f", "e", "b", "a", "d"]
