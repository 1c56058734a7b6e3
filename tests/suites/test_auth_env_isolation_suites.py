"""The auth, environments and isolation suites, run for real in a process of their own against the embedded sandbox.

Clean sandbox: exit 0 and no failed test. That each defect these suites own fails a test of the right concern
and category, with exit 1 and no uncategorised failure, is the detection matrix's to prove
(``tests/test_detection_matrix.py``); here one defect run shows how an echoed secret is reported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.child_runs import run_pytest

SUITES = ["suites/test_auth.py", "suites/test_environments.py", "suites/test_isolation.py"]


def run_suites(tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    """Run the three suites; (exit code, results JSON, output)."""
    results = tmp_path / "r.json"
    done = run_pytest([*SUITES, "-q", "-p", "no:cacheprovider", "--results-json", str(results), *extra])
    assert results.is_file(), done.output[-3000:]
    return done.returncode, json.loads(results.read_text(encoding="utf-8")), done.output


@pytest.fixture(scope="module")
def echoed_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], str]:
    return run_suites(tmp_path_factory.mktemp("echoed"), "--sandbox-defect", "secret-echoed-in-error")


def failed(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in data["tests"] if t["outcome"] in ("failed", "error")]


@pytest.mark.slow
def test_clean_sandbox_passes(tmp_path: Path) -> None:
    code, data, output = run_suites(tmp_path)
    assert code == 0, output[-3000:]
    assert failed(data) == []
    concerns = ("auth", "environments", "isolation")
    by_concern = {c: [t for t in data["tests"] if t["concern"] == c] for c in concerns}
    assert all(by_concern.values()), {c: len(t) for c, t in by_concern.items()}
    assert [t["nodeid"] for t in data["tests"] if t["outcome"] == "skipped"] == []
    assert data["requests_sent"] < 1500
    crossed = [t for t in by_concern["environments"] if "test_credentials_bound_to_environment[" in t["nodeid"]]
    # a token, the control in its own environment, the request to the other: a 401 there renews nothing
    assert crossed and max(t["requests"] for t in crossed) <= 3, [(t["nodeid"], t["requests"]) for t in crossed]


@pytest.mark.slow
def test_echoed_secret_is_masked_and_message_pairs_received_with_documented(
    echoed_run: tuple[int, dict[str, Any], str],
) -> None:
    """A secret the target echoes is masked in the report, and the message says what was documented."""
    code, data, _ = echoed_run
    assert code == 1
    echoed = [t for t in failed(data) if "secret_not_echoed" in t["message"]]
    assert echoed, [t["message"][:200] for t in failed(data)]
    message = echoed[0]["message"]
    assert "Received:" in message and "Documented:" in message
    assert "Invalid client id or secret: [REDACTED]" in message
