"""Run the sandbox on loopback: in a background thread (the suites' fixture) or in the foreground (CLI)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterable
from types import TracebackType

import uvicorn

from apiconform.errors import ApiconformError
from apiconform.sandbox.app import create_app
from apiconform.sandbox.provisioning import Manifest


class _PromptServer(uvicorn.Server):
    """uvicorn's server, stopped at once: its main loop ticks every 0.1 s until ``should_exit`` and its shutdown
    waits another 0.1 s for open connections, so every stop cost 0.19 s (every suite run pays one, an xdist run
    one per worker and one more after them). Here a stop wakes the loop, and a server with no connection left
    skips the wait; the ticks still refresh the Date header every second."""

    _wake: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=0.1)
            except TimeoutError:
                pass
            should_exit = await self.on_tick(counter)

    def stop_soon(self) -> None:
        """From another thread: exit now rather than at the next tick."""
        self.should_exit = True
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.server_state.connections:
            await super().shutdown(sockets)
            return
        for server in self.servers:
            server.close()
        if not self.force_exit:
            await self.lifespan.shutdown()


class SandboxServer:
    """uvicorn in a daemon thread, bound to port 0 unless told otherwise; ``with`` starts and stops it."""

    def __init__(self, defects: Iterable[str] = (), host: str = "127.0.0.1", port: int = 0) -> None:
        self.app, self.state, self.manifest = create_app(defects)
        config = uvicorn.Config(
            self.app, host=host, port=port, log_level="warning", access_log=False, lifespan="off", proxy_headers=False
        )
        self._server = _PromptServer(config)
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
        self._server.stop_soon()
        self._thread.join(timeout=10)

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.stop()
