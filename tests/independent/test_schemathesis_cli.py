"""The schemathesis CLI, an independent checker, agrees with us about the embedded sandbox.

Clean, the sandbox conforms to every OpenAPI document; with a shape defect or a server error on bad
input, the CLI finds failures too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from apiconform.contracts import api_documents
from apiconform.sandbox.server import SandboxServer
from tests.independent.cli_runs import run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clean_server() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.mark.parametrize("api", [doc.name for doc in api_documents()])
def test_cli_finds_no_failure_on_the_clean_sandbox(clean_server: SandboxServer, api: str, tmp_path: Path) -> None:
    done = run_cli(clean_server.manifest, api, tmp_path)
    assert done.returncode == 0, done.stdout[-4000:]
    assert "Tested:" in done.stdout and "FAILURES" not in done.stdout


@pytest.mark.parametrize(
    ("defect", "api", "expected"),
    [
        ("field-type-drift", "att-end-customer-lookup", "Response violates schema"),
        ("server-error-on-bad-input", "chorus-line-test", "Server error"),
    ],
)
def test_cli_finds_the_planted_defect(defect: str, api: str, expected: str, tmp_path: Path) -> None:
    with SandboxServer([defect]) as server:
        done = run_cli(server.manifest, api, tmp_path)
    assert done.returncode == 1, done.stdout[-4000:]
    assert expected in done.stdout
