"""Stoplight Prism serving our OpenAPI documents as mocks on loopback: a server we did not write."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from apiconform.contracts import api_documents

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / "node_modules" / ".bin" / "prism"
ROLES = {
    "primary": ("client_id", "client_secret"),
    "partner": ("username", "password"),
    "conference": ("username", "password"),
    "flexml": ("username", "password"),
    "mediator": ("username", "password"),
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"Prism did not listen on port {port} within {timeout:.0f} s")


@contextmanager
def prism_mocks(workdir: Path) -> Iterator[dict[str, str]]:
    """One `prism mock` per vendor API document; yields API -> base URL."""
    urls: dict[str, str] = {}
    with ExitStack() as stack:
        for doc in api_documents():
            if doc.name == "portal":  # the sandbox's own portal, not a vendor API
                continue
            path = workdir / f"{doc.name}.json"
            path.write_text(json.dumps(doc.bundled), encoding="utf-8")
            port = _free_port()
            log = stack.enter_context((workdir / f"{doc.name}.log").open("w"))
            process = subprocess.Popen(
                [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(path)], stdout=log, stderr=log
            )
            stack.callback(process.wait, 10)
            stack.callback(process.terminate)
            urls[doc.name] = f"http://127.0.0.1:{port}"
        for url in urls.values():
            _wait(int(url.rsplit(":", 1)[1]))
        yield urls


def target_config(urls: dict[str, str]) -> tuple[str, dict[str, str]]:
    """An apiconform.toml naming target `prism`, and the environment holding its (any-value) credentials."""
    lines = [
        "[targets.prism]",
        'description = "Stoplight Prism mocks of our documents"',
        "[targets.prism.environments.sandbox.base_urls]",
    ]
    lines += [f'{api} = "{url}"' for api, url in urls.items()]
    env: dict[str, str] = {}
    for role, fields in ROLES.items():
        lines.append(f"[targets.prism.environments.sandbox.credentials.{role}]")
        for field in fields:
            variable = f"PRISM_{role.upper()}_{field.upper()}"
            lines.append(f'{field} = "{variable}"')
            env[variable] = f"any-{role}-{field}"
    return "\n".join(lines) + "\n", env
