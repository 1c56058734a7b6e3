"""Observed shapes and drift against the embedded sandbox: real runs (``apiconform run``) over loopback.

Several clean runs with different Hypothesis seeds report no drift; switching ``field-type-drift``,
``enum-drift`` and ``nullable-drift`` on between two runs reports each change as breaking, fails the
run (exit 1) and shows in drift.json, drift.md and Allure; the observed files hold no fixture value.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from apiconform.contracts import api_documents
from apiconform.observed.paths import documented_paths
from apiconform.sandbox import fixtures_att, fixtures_chorus
from apiconform.sandbox.state import ENVIRONMENTS
from tests.child_runs import run_cli

ROOT = Path(__file__).resolve().parents[1]
DRIFT_DEFECTS = ("field-type-drift", "enum-drift", "nullable-drift")
LOOKUP = ("att-end-customer-lookup", "lookupEndCustomer", "200")


def apiconform(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(args, cwd=ROOT)


def run(reports: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return apiconform("run", "--no-html", "--reports", str(reports), *args)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A first run, two clean reruns with other seeds, then one with the three drift defects on."""
    reports = tmp_path_factory.mktemp("drift") / "reports"
    first = run(reports, "--only", "contract,field-types")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr
    observed_after_first = {p.name: p.read_text() for p in (reports / "observed" / "embedded").glob("*.json")}
    clean = []
    for seed in (11, 23):
        done = run(reports, "--only", "contract", "--", f"--hypothesis-seed={seed}")
        clean.append((done, json.loads((reports / "drift.json").read_text())))
    defects = [arg for name in DRIFT_DEFECTS for arg in ("--sandbox-defect", name)]
    drifted = run(reports, "--only", "field-types", *defects)
    yield {
        "reports": reports,
        "first": first,
        "observed_after_first": observed_after_first,
        "clean": clean,
        "drifted": drifted,
        "drift": json.loads((reports / "drift.json").read_text()),
    }


def _changes(drift: dict[str, Any], env: str = "sandbox") -> dict[tuple[str, str], str]:
    return {
        (c["kind"], c["path"]): c["class"]
        for c in drift["changes"]
        if (c["api"], c["operation"], c["status"], c["environment"]) == (*LOOKUP, env)
    }


def test_clean_runs_with_other_seeds_report_no_drift(runs: dict[str, Any]) -> None:
    for done, drift in runs["clean"]:
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr
        assert drift["changes"] == [] and drift["counts"]["breaking"] == 0, drift["changes"][:5]
        assert sum(drift["compared"].values()) >= 20  # something was compared: both environments, every API
        assert "drift against the previous run: 0 new breaking, 0 additive" in done.stdout


def test_each_drift_defect_is_a_breaking_change_of_its_kind(runs: dict[str, Any]) -> None:
    for env in ENVIRONMENTS:
        changes = _changes(runs["drift"], env)
        assert changes.get(("type-changed", "$[].accountId")) == "breaking", changes
        assert changes.get(("became-nullable", "$[].accountName")) == "breaking", changes
        assert changes.get(("enum-value-new", "$[].loaStatus")) == "breaking", changes
    details = [c["detail"] for c in runs["drift"]["changes"] if c["path"] == "$[].accountId"]
    assert details and all(d == "string -> integer" for d in details)
    assert all(
        c["contract"] == "the contract does not allow it" for c in runs["drift"]["changes"] if c["class"] == "breaking"
    )


def test_drift_fails_the_run_and_shows_in_every_output(runs: dict[str, Any]) -> None:
    drifted, reports = runs["drifted"], runs["reports"]
    assert drifted.returncode == 1
    assert (
        "DRIFT [breaking] type-changed sandbox att-end-customer-lookup lookupEndCustomer HTTP 200 $[].accountId"
        in drifted.stdout
    )
    markdown = (reports / "drift.md").read_text()
    assert (
        "| breaking | became-nullable | sandbox | att-end-customer-lookup lookupEndCustomer | 200 | $[].accountName |"
        in markdown
    )
    allure = [json.loads(p.read_text()) for p in (reports / "allure-results").glob("*-result.json")]
    drift_tests = [r for r in allure if {"name": "feature", "value": "Drift"} in r["labels"]]
    per_operation = {r["fullName"] for r in drift_tests}
    assert len(per_operation) == len(drift_tests) >= 20  # one Allure test per observed operation and environment
    failed = {r["fullName"] for r in drift_tests if r["status"] == "failed"}
    assert failed == {f"apiconform.drift.embedded.{env}.{LOOKUP[0]}.{LOOKUP[1]}" for env in ENVIRONMENTS}


def test_breaking_drift_stays_unresolved_until_accepted(runs: dict[str, Any], tmp_path: Path) -> None:
    reports = runs["reports"]
    again = apiconform("drift", "--reports", str(reports), "--no-allure")
    assert again.returncode == 1 and "unresolved" in again.stdout
    saved = tmp_path / "baseline"
    assert apiconform("drift", "--reports", str(reports), "--save-baseline", str(saved)).returncode == 0
    against_itself = apiconform("drift", "--reports", str(reports), "--baseline", str(saved), "--no-allure")
    assert "0 new breaking, 0 additive" in against_itself.stdout
    accepted = apiconform("drift", "--reports", str(reports), "--accept")
    assert accepted.returncode == 0 and "accepted" in accepted.stdout
    settled = apiconform("drift", "--reports", str(reports), "--baseline", str(saved), "--no-allure")
    assert settled.returncode == 0, settled.stdout


def test_bad_drift_input_is_one_line(tmp_path: Path) -> None:
    missing = apiconform("drift", "--reports", str(tmp_path))
    assert missing.returncode == 2 and "no observed shapes yet" in missing.stderr
    assert "Traceback" not in missing.stderr and len(missing.stderr.strip().splitlines()) == 1


def _fixture_values() -> set[str]:
    """Every string the sandbox's fixture records hold (names, ids, addresses, products, results)."""
    values: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                collect(value)
        elif isinstance(node, list | tuple):
            for value in node:
                collect(value)
        elif isinstance(node, str) and len(node) >= 3:
            values.add(node)

    for env in ENVIRONMENTS:
        for match in fixtures_att.fixtures(env):
            collect(list(match.records))
        for product in fixtures_chorus.products(env).values():
            collect([product.product_id, product.organisation, product.product_type])
        for test in fixtures_chorus.tests(env).values():
            collect([test.test_id, test.product_id, test.organisation, test.result])
    return values


def _documented_enum_values() -> set[str]:
    """The vocabulary the contracts document (enum values): words of the documentation, not of a record."""
    found: set[str] = set()
    for document in api_documents():
        bundled = document.bundled
        for schema in bundled.get("components", {}).get("schemas", {}).values():
            for doc in documented_paths(bundled, schema).values():
                found |= {str(v) for v in doc.enum or []}
    return found


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def test_observed_files_hold_shapes_never_fixture_values(runs: dict[str, Any]) -> None:
    observed = runs["observed_after_first"]
    assert {"sandbox.json", "production.json"} <= set(observed)
    sample = json.loads(observed["sandbox.json"])["operations"]
    lookup = sample[f"{LOOKUP[0]} {LOOKUP[1]}"]["statuses"]["200"]["fields"]
    assert lookup["$[].accountId"]["types"] == {"string": lookup["$[].accountId"]["present"]}
    fixture = _fixture_values() - _documented_enum_values()
    assert len(fixture) > 30  # the check has something to find
    leaked = {s for text in observed.values() for s in _strings(json.loads(text)) if s in fixture}
    substrings = {v for v in fixture if len(v) >= 6 and any(v in text for text in observed.values())}
    assert not leaked and not substrings, sorted(leaked | substrings)[:10]
