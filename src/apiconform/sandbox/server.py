"""Run the sandbox on loopback: in a background thread (the suites' fixture) or in the foreground (CLI)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from types import TracebackType

import uvicorn

from apiconform.errors import ApiconformError
from apiconform.sandbox.app import create_app
from apiconform.sandbox.provisioning import Manifest


class SandboxServer:
    """uvicorn in a daemon thread, bound to port 0 unless told otherwise; ``with`` starts and stops it."""

    def __init__(self, defects: Iterable[str] = (), host: str = "127.0.0.1", port: int = 0) -> None:
        self.app, self.state, self.manifest = create_app(defects)
        config = uvicorn.Config(
            self.app, host=host, port=port, log_level="warning", access_log=False, lifespan="off", proxy_headers=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="apiconform-sandbox", daemon=True)
        self._host = host

    def start(self, timeout: float = 10.0) -> Manifest:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ApiconformError(f"the embedded sandbox did not start on {self._host} within {timeout:.0f} s")
            time.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.manifest.root_url = f"http://{self._host}:{port}"
        return self.manifest

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.stop()
