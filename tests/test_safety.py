"""Safety of a real ``apiconform run``: no secret in any output, no write to production unless allowed.

The run's secrets are made inside the child process for the embedded target, so these tests start their
own sandbox (in this process, in a thread) and point a *configured* target at it: then every client
secret, password and Basic header value is known here, and the server's side of the conversation can
be counted by a small ASGI middleware that lives in this test, not in the product.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from apiconform.contracts import load_api
from apiconform.sandbox.server import SandboxServer
from tests.child_runs import run_cli

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ROLES = ("primary", "other_org", "limited", "att_only", "partner", "conference", "flexml", "mediator")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
TOKEN_VALUE = re.compile(r'"(access_token|refresh_token)"\s*:\s*"([^"]*)"')


@dataclass
class Seen:
    method: str
    path: str
    status: int = 0
    body: bytearray = field(default_factory=bytearray)
    at: float = field(default_factory=time.monotonic)  # when the request arrived (rate checks)


class Recorder:
    """Pure ASGI middleware: every request's method, path, status and (first 4 KB of) response body."""

    def __init__(self, app: Any, log: list[Seen]) -> None:
        self.app, self.log = app, log

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = Seen(scope["method"], scope["path"])
        self.log.append(seen)

        async def recording_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                seen.status = message["status"]
            elif message["type"] == "http.response.body" and len(seen.body) < 4096:
                seen.body.extend(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, recording_send)


@dataclass
class Mirror:
    """A configured target pointing at a sandbox started here, and everything secret about it."""

    config: Path
    env: dict[str, str]
    secrets: list[str]
    log: list[Seen]


@contextmanager
def mirror(
    tmp_path: Path,
    defects: tuple[str, ...] = (),
    rps: float = 500,
    max_requests: int = 20000,
) -> Iterator[Mirror]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    log: list[Seen] = []
    server = SandboxServer(defects)
    server.app.add_middleware(Recorder, log=log)
    manifest = server.start()
    try:
        budget = f"budget = {{ requests_per_second = {rps}, max_requests = {max_requests} }}"
        lines = ["[targets.mirror]", budget]
        env: dict[str, str] = {}
        secrets: list[str] = []
        for environment in ("sandbox", "production"):
            lines += [
                f"[targets.mirror.environments.{environment}]",
                f"production = {'true' if environment == 'production' else 'false'}",
                "base_urls = { "
                + ", ".join(f'{api} = "{manifest.base_url(environment, api)}"' for api in manifest.apis)
                + " }",
            ]
            for role in ROLES:
                credential = manifest.credentials[environment][role]
                names = {key: f"APC_SAFETY_{environment}_{role}_{key}".upper() for key in credential}
                lines.append(
                    f"credentials.{role} = {{ " + ", ".join(f'{key} = "{name}"' for key, name in names.items()) + " }"
                )
                env.update({names[key]: value for key, value in credential.items()})
                secrets += [credential[key] for key in ("client_secret", "password") if key in credential]
                if "username" in credential:
                    pair = f"{credential['username']}:{credential['password']}"
                    secrets.append(base64.b64encode(pair.encode()).decode())
        config = tmp_path / "apiconform.toml"
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        yield Mirror(config, env, secrets, log)
    finally:
        server.stop()


def run(target: Mirror, reports: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        "run",
        "--no-html",
        "--config",
        str(target.config),
        "--target",
        "mirror",
        "--reports",
        str(reports),
        *args,
    ]
    return run_cli(command, cwd=ROOT, env={**os.environ, **target.env}, timeout=900)


def report_texts(reports: Path) -> dict[Path, str]:
    return {p: p.read_bytes().decode("utf-8", errors="replace") for p in reports.rglob("*") if p.is_file()}


def assert_no_leak(target: Mirror, reports: Path, result: subprocess.CompletedProcess[str]) -> None:
    texts = report_texts(reports)
    assert any(p.name.endswith("-result.json") for p in texts), result.stdout[-2000:] + result.stderr
    texts[Path("<stdout>")], texts[Path("<stderr>")] = result.stdout, result.stderr
    for where, text in texts.items():
        for secret in target.secrets:
            assert secret not in text, f"a provisioned secret appears in {where}"
        for variant in (text, html.unescape(text), text.replace('\\"', '"')):
            for key, value in TOKEN_VALUE.findall(variant):
                assert value == "[REDACTED]", f"an unredacted {key} appears in {where}"


@pytest.mark.parametrize("defects", [(), ("secret-echoed-in-error",)], ids=["clean", "secret-echoed"])
def test_no_secret_in_any_output(tmp_path: Path, defects: tuple[str, ...]) -> None:
    with mirror(tmp_path, defects) as target:
        result = run(target, tmp_path / "reports", "--only", "auth,environments,contract")
    assert result.returncode in (0, 1), result.stdout[-3000:] + result.stderr
    assert target.log, "the run never reached the sandbox"
    if defects:  # the defect really put provisioned secrets on the wire: the reports had something to hide
        echoed = [s for s in target.log if any(secret.encode() in s.body for secret in target.secrets)]
        assert echoed, "no response echoed a provisioned secret; the defect run proves nothing"
    assert_no_leak(target, tmp_path / "reports", result)


def _allowed_production_writes() -> list[re.Pattern[str]]:
    """Production paths a write may reach without --allow-writes: token requests and x-read-only ops."""
    patterns = []
    for api in (
        "att-end-customer-lookup",
        "chorus-line-test",
        "carrierx-core",
        "carrierx-conference",
        "carrierx-flexml",
        "carrierx-mediator",
    ):
        for method, path, operation in load_api(api).operations():
            exempt = operation.get("x-read-only") or operation.get("operationId") == "createToken"
            if method in WRITES and exempt:
                template = re.sub(r"\\\{[^/]*?\\\}", "[^/]+", re.escape(path))
                patterns.append(re.compile(f"{method} /production/{api}{template}$"))
    return patterns


def production_writes(log: list[Seen]) -> list[str]:
    allowed = _allowed_production_writes()
    sent = [f"{s.method} {s.path}" for s in log if s.method in WRITES and s.path.startswith("/production/")]
    return [line for line in sent if not any(p.match(line) for p in allowed)]


def test_production_write_guard_and_budget(tmp_path: Path) -> None:
    with mirror(tmp_path / "guarded", rps=150, max_requests=300) as target:
        result = run(target, tmp_path / "guarded" / "reports", "--only", "auth,environments,contract")
    assert result.returncode != 2, result.stdout[-3000:] + result.stderr
    assert target.log, "the run never reached the sandbox"
    assert production_writes(target.log) == []
    assert len(target.log) <= 300
    records = json.loads((tmp_path / "guarded" / "reports" / "results.json").read_text())["tests"]
    assert any("writes are not allowed" in r["message"] for r in records if r["outcome"] == "skipped")

    with mirror(tmp_path / "allowed") as target:
        result = run(target, tmp_path / "allowed" / "reports", "--only", "contract", "--allow-writes")
    assert result.returncode != 2, result.stdout[-3000:] + result.stderr
    assert production_writes(target.log), "with --allow-writes, production writes should reach the target"
