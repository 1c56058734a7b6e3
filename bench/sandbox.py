"""The embedded sandbox for the loops and the load generator, and the one read every figure uses.

The read is Chorus ``GET /tests?count=10`` (listTests) with the primary application's client id and secret:
authenticated, a read, answered 200 by the sandbox and by Prism from the same document. The standard plan allows
100,000 calls a minute: each load run gets a sandbox of its own, so no run measures another's 429s.

``SandboxProcess`` runs ``SandboxServer`` in a spawned child (as the retired ``scripts/benchmark.py`` did):
the server then has a core and an interpreter lock of its own, as ``apiconform sandbox serve`` would.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

import httpx

from apiconform.reporting.redaction import register_basic, register_secret
from bench.common import MeasureError

CHORUS = "chorus-line-test"
READ_PATH = "/tests"
READ_QUERY = {"count": "10"}
STARTUP_TIMEOUT = 60.0


def read_headers(primary: dict[str, str]) -> dict[str, str]:
    return {"X-Chorus-Client-ID": primary["client_id"], "X-Chorus-Client-Secret": primary["client_secret"]}


def chorus_base(root: str) -> str:
    return f"{root}/sandbox/{CHORUS}"


def _serve(conn: Connection) -> None:
    from apiconform.sandbox.server import SandboxServer

    started = time.perf_counter()
    server = SandboxServer()
    manifest = server.start()
    conn.send(
        {
            "startup_s": time.perf_counter() - started,
            "root": manifest.root_url,
            "credentials": manifest.credentials,
            "known": manifest.known_inputs,
        }
    )
    conn.poll(3600)  # until "stop" (or an hour: never left behind for long)
    server.stop()


class SandboxProcess:
    """``with SandboxProcess() as info``: the sandbox in a spawned child; ``info`` holds root and credentials."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a process that has threads
        self._parent, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)
        self.info: dict[str, Any] = {}

    def __enter__(self) -> dict[str, Any]:
        self._process.start()
        if not self._parent.poll(STARTUP_TIMEOUT):
            self._stop()
            raise MeasureError(f"the sandbox child did not start within {STARTUP_TIMEOUT:.0f} s")
        self.info = self._parent.recv()
        register_credentials(self.info["credentials"])
        return self.info

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._stop()

    def _stop(self) -> None:
        if self._process.is_alive():
            self._parent.send("stop")
            self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=5)


def register_credentials(credentials: Mapping[Any, Mapping[str, Mapping[str, str]]]) -> None:
    """The sandbox's throwaway secrets, registered with the redactor so no bench output shows them."""
    for roles in credentials.values():
        for credential in roles.values():
            for key in ("client_secret", "password"):
                if credential.get(key):
                    register_secret(credential[key])
            if credential.get("username") and credential.get("password"):
                register_basic(credential["username"], credential["password"])


def timed_loop(send: Callable[[], httpx.Response], *, count: int | None = None, seconds: float = 5.0) -> float:
    """Requests per second of ``send`` in a loop: ``count`` requests, or for ``seconds``; never past 120 s.

    Every answer must be 2xx: a refusal would measure the gateway's error path, not the read.
    """
    deadline = time.perf_counter() + (120.0 if count is not None else seconds)
    sent = 0
    start = time.perf_counter()
    while time.perf_counter() < deadline and (count is None or sent < count):
        response = send()
        if not response.is_success:
            raise MeasureError(f"loop request answered {response.status_code}: {response.text[:200]}")
        sent += 1
    elapsed = time.perf_counter() - start
    if count is not None and sent < count:
        raise MeasureError(f"only {sent} of {count} loop requests were sent within 120 s")
    return sent / elapsed if elapsed else 0.0
