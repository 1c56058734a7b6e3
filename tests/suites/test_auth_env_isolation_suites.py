"""The auth, environments and isolation suites, run for real in a subprocess against the embedded sandbox.

Clean sandbox: exit 0 and no failed test. Each defect of the sandbox's catalogue that these suites own must
fail at least one test of the right concern with the right category (and the run must exit non-zero).
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SUITES = ["suites/test_auth.py", "suites/test_environments.py", "suites/test_isolation.py"]

DEFECTS = {
    "auth-ignored": ("auth", "auth-defect"),
    "secret-not-checked": ("auth", "auth-defect"),
    "challenge-header-missing": ("auth", "auth-defect"),
    "secret-echoed-in-error": ("auth", "auth-defect"),
    "scope-not-enforced": ("auth", "auth-defect"),
    "core-token-accepted-on-endpoint-api": ("auth", "auth-defect"),
    "token-response-cacheable": ("auth", "auth-defect"),
    "cross-environment-credentials": ("environments", "environment-leak"),
    "sandbox-data-in-production": ("environments", "environment-leak"),
    "org-data-leak": ("isolation", "isolation-breach"),
}


def run_suites(tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    """Run the three suites; (exit code, results JSON, output)."""
    results = tmp_path / "r.json"
    command = [
        sys.executable, "-m", "pytest", *SUITES, "-q", "-p", "no:cacheprovider",
        "--results-json", str(results), *extra,
    ]  # fmt: skip
    proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    output = proc.stdout + proc.stderr
    assert results.is_file(), output[-3000:]
    return proc.returncode, json.loads(results.read_text(encoding="utf-8")), output


@pytest.fixture(scope="module")
def defect_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, dict[str, Any], str]]:
    """One run per defect, a few at a time: each is a fresh sandbox, so they cannot interfere."""

    def run(defect: str) -> tuple[int, dict[str, Any], str]:
        return run_suites(tmp_path_factory.mktemp(defect), "--sandbox-defect", defect)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(sorted(DEFECTS), pool.map(run, sorted(DEFECTS)), strict=True))


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


@pytest.mark.slow
@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_defect_is_caught(defect_runs: dict[str, tuple[int, dict[str, Any], str]], defect: str) -> None:
    concern, category = DEFECTS[defect]
    code, data, output = defect_runs[defect]
    caught = [t for t in failed(data) if t["concern"] == concern and t["category"] == category]
    assert code == 1, output[-3000:]
    assert caught, [(t["nodeid"], t["category"]) for t in failed(data)][:10]
    assert all(t["category"] is not None for t in failed(data)), "an uncategorised failure"


@pytest.mark.slow
def test_echoed_secret_is_masked_and_message_pairs_received_with_documented(
    defect_runs: dict[str, tuple[int, dict[str, Any], str]],
) -> None:
    """A secret the target echoes is masked in the report, and the message says what was documented."""
    _, data, _ = defect_runs["secret-echoed-in-error"]
    echoed = [t for t in failed(data) if "secret_not_echoed" in t["message"]]
    assert echoed, [t["message"][:200] for t in failed(data)]
    message = echoed[0]["message"]
    assert "Received:" in message and "Documented:" in message
    assert "Invalid client id or secret: [REDACTED]" in message
