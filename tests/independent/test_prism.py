"""Our suites against Stoplight Prism mocking our own documents: no false alarm, and a real weakness found.

Prism answers from the schema, so a contract or field-type failure against it is a false alarm or a schema
bug. Its security check only looks at presence (stoplightio/prism#2313): the auth suite must say so.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.child_runs import run_pytest
from tests.independent.prism import PRISM, ROOT, prism_mocks, target_config

pytestmark = [pytest.mark.slow, pytest.mark.needs_node]

# Prism's own behaviour, not the document's: it answers invalid requests with its generic 422 when the
# operation documents no validation status, and it cannot echo request headers (static mocks).
NOT_FROM_THE_DOCUMENT = "not test_negative_data_rejected and not test_correlation_header_echoed"


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    if not PRISM.exists():
        pytest.skip("Prism is not installed: run `make node-setup` (npm ci) with Node 20 to run this test")
    workdir = tmp_path_factory.mktemp("prism")
    with prism_mocks(workdir) as urls:
        text, env = target_config(urls)
        config = workdir / "apiconform.toml"
        config.write_text(text, encoding="utf-8")
        yield config, env


def run_suites(config: Path, env: dict[str, str], results: Path, *args: str) -> tuple[int, list[dict[str, Any]]]:
    command = [*args, "-q", "-p", "no:cacheprovider", "--config", str(config), "--target", "prism"]
    done = run_pytest([*command, "--results-json", str(results)], cwd=ROOT, env={**os.environ, **env}, timeout=900)
    assert results.is_file(), done.output[-5000:]
    return done.returncode, json.loads(results.read_text())["tests"]


def test_contract_and_field_types_raise_no_false_alarm(prism: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    config, env = prism
    code, tests = run_suites(
        config,
        env,
        tmp_path / "r.json",
        "suites/test_contract.py",
        "suites/test_field_types.py",
        "-k",
        NOT_FROM_THE_DOCUMENT,
    )
    failures = [f"{t['nodeid']}: {t['message'][:300]}" for t in tests if t["outcome"] in {"failed", "error"}]
    assert failures == [] and code == 0
    assert sum(t["outcome"] == "passed" for t in tests) >= 20
    assert {t["concern"] for t in tests} == {"contract", "field-types"}


def test_auth_suite_reports_that_prism_accepts_any_credential(
    prism: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    config, env = prism
    code, tests = run_suites(config, env, tmp_path / "r.json", "suites/test_auth.py")
    failed = [t for t in tests if t["outcome"] == "failed"]
    assert code == 1 and failed
    assert all(t["category"] == "auth-defect" for t in failed)
    messages = " ".join(t["message"] for t in failed)
    assert "wrong_secret_is_refused" in messages, "a valid id with a wrong secret was not reported"
    assert "invalid_credentials_are_refused" in messages
