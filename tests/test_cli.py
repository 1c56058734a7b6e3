"""The ``apiconform`` command as a user sees it: exit statuses and the exact lines printed.

Every test runs the real command in a subprocess from the repository root, with the parent's
environment plus whatever credential variables the test sets.
"""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from apiconform.sandbox.defects import DEFECTS

ROOT = Path(__file__).resolve().parents[1]
COMMAND = [sys.executable, "-m", "apiconform.cli"]


def apiconform(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The error a user sees: a single ``apiconform: error:`` line and no traceback."""
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("apiconform: error: ")
    return lines[0]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_sandbox_defects_lists_every_defect() -> None:
    result = apiconform("sandbox", "defects")
    assert result.returncode == 0
    for name, description in DEFECTS.items():
        lines = result.stdout.splitlines()
        assert any(line.startswith(name) and line.endswith(description) for line in lines)


def test_sandbox_serve_unknown_defect_is_one_line_listing_valid_names() -> None:
    result = apiconform("sandbox", "serve", "--defect", "nope")
    assert result.returncode == 2
    line = one_line_error(result)
    assert "'nope'" in line and "auth-ignored" in line and "secret-echoed-in-error" in line


def test_sandbox_serve_prints_base_urls_within_two_seconds() -> None:
    started = time.monotonic()
    process = subprocess.Popen(
        [*COMMAND, "sandbox", "serve", "--defect", "auth-ignored"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True)  # type: ignore[union-attr]
    reader.start()
    seen: list[str] = []
    try:
        while not any(line.startswith("portal") for line in seen):
            seen.append(lines.get(timeout=10).strip())
        elapsed = time.monotonic() - started
    finally:
        process.terminate()
        process.wait(timeout=15)
        reader.join(timeout=5)
    while not lines.empty():
        seen.append(lines.get().strip())
    text = "\n".join(seen)
    assert elapsed < 2.0, f"URLs took {elapsed:.2f} s"
    for env in ("sandbox", "production"):
        assert f"/{env}/chorus-line-test" in text and f"/{env}/carrierx-core" in text
    assert "/portal" in text
    assert "auth-ignored" in text and "client_secret=" in text  # defects and throwaway credentials
    assert process.returncode == 0 and "sandbox stopped" in text


def test_run_unknown_concern_is_one_line_listing_valid_ones() -> None:
    result = apiconform("run", "--only", "nope", "--no-html")
    assert result.returncode == 2
    line = one_line_error(result)
    assert "'nope'" in line and "contract" in line


def test_run_unknown_target() -> None:
    result = apiconform("run", "--target", "nope", "--no-html")
    assert result.returncode == 2
    assert "unknown target 'nope'" in one_line_error(result)


def test_bad_config_key_suggests_the_right_one(tmp_path: Path) -> None:
    config = tmp_path / "apiconform.toml"
    config.write_text("[targets.vendor]\nbudgett = { max_requests = 10 }\n", encoding="utf-8")
    for command in (["run", "--no-html"], ["targets"]):
        result = apiconform(*command, "--config", str(config))
        assert result.returncode == 2
        assert "did you mean 'budget'" in one_line_error(result)


def test_targets_shows_present_and_missing_credentials_never_values(tmp_path: Path) -> None:
    config = tmp_path / "apiconform.toml"
    config.write_text(
        "[targets.vendor.environments.sandbox]\n"
        'base_urls = { chorus-line-test = "https://sandbox.chorus.example/v1" }\n'
        'credentials.primary = { client_id = "APC_TEST_CLIENT_ID", '
        'client_secret = "APC_TEST_CLIENT_SECRET" }\n'
        "[targets.vendor.environments.production]\nproduction = true\n"
        'base_urls = { chorus-line-test = "https://api.chorus.example/v1" }\n',
        encoding="utf-8",
    )
    distinctive = "Zq8-distinctive-credential-value-31415"
    env = {"APC_TEST_CLIENT_ID": distinctive}
    result = apiconform("targets", "--config", str(config), env=env)
    assert result.returncode == 0, result.stderr
    flat = " ".join(result.stdout.split())
    assert distinctive not in result.stdout and distinctive not in flat
    assert "primary: main" in result.stdout
    assert "client_id: present ($APC_TEST_CLIENT_ID)" in result.stdout
    assert "client_secret: MISSING ($APC_TEST_CLIENT_SECRET)" in result.stdout
    assert "embedded" in flat and "vendor" in flat and "https://sandbox.chorus.example/v1" in flat
    assert "YES" in flat  # production flag of the vendor's production environment


@pytest.mark.slow
def test_unreachable_target_exits_3_not_1(tmp_path: Path) -> None:
    port = closed_port()
    base = f"http://127.0.0.1:{port}"
    config = tmp_path / "apiconform.toml"
    config.write_text(
        "[targets.down]\nbudget = { requests_per_second = 200, max_requests = 500 }\n"
        "[targets.down.environments.sandbox]\n"
        f'base_urls = {{ chorus-line-test = "{base}/chorus", att-end-customer-lookup = "{base}/att", '
        f'carrierx-core = "{base}/core" }}\n'
        'credentials.primary = { client_id = "APC_DOWN_ID", client_secret = "APC_DOWN_SECRET" }\n'
        'credentials.partner = { username = "APC_DOWN_USER", password = "APC_DOWN_PASSWORD" }\n',
        encoding="utf-8",
    )
    env = {
        "APC_DOWN_ID": "down-id",
        "APC_DOWN_SECRET": "down-secret-value",
        "APC_DOWN_USER": "down-user",
        "APC_DOWN_PASSWORD": "down-password-value",
    }
    result = apiconform(
        "run",
        "--config",
        str(config),
        "--target",
        "down",
        "--no-html",
        "--only",
        "auth",
        "--reports",
        str(tmp_path / "reports"),
        env=env,
    )
    assert result.returncode == 3, result.stdout[-3000:] + result.stderr
    assert "target unavailable" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_run_whose_credentials_were_refused_exits_2_as_a_configuration_problem(tmp_path: Path) -> None:
    import json

    from apiconform.runner import decide

    results = tmp_path / "results.json"
    message = "configuration-problem: api: the token endpoint refused credential 'app' of sandbox (HTTP 401)"
    record = {"outcome": "skipped", "category": "configuration-problem", "message": message}
    results.write_text(json.dumps({"tests": [record, record]}), encoding="utf-8")
    outcome = decide(4, results, tmp_path / "junit.xml")
    assert outcome.exit_code == 2
    assert outcome.summary == "configuration problem: 2 test(s) not run" and outcome.message == message


def test_run_strict_asks_pytest_to_fail_on_warnings(tmp_path: Path) -> None:
    from apiconform.cli import build_parser
    from apiconform.runner import RunOptions, find_root, pytest_args

    args = build_parser().parse_args(["run", "--strict", "--no-html"])
    assert args.strict is True
    command = pytest_args(RunOptions(strict=True, reports=tmp_path), find_root(), None)
    assert "--strict-grades" in command
    assert "--strict-grades" not in pytest_args(RunOptions(reports=tmp_path), find_root(), None)
