"""The request budget of a target: a rate, a ceiling per run, a run deadline, and a pause after Retry-After.

One budget per run, shared by every test, so the suite as a whole never exceeds what the vendor's plan
allows (seed 003: plans limit calls per interval). Under ``pytest -n N`` the workers are processes, so
``SharedBudget`` keeps the same state in a file they lock: the target sees one rate and one total,
however many workers send.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from apiconform.errors import BudgetExceeded

MAX_RETRY_AFTER_WAIT = 5.0


class RequestBudget:
    """In-process budget (threads of one process). Times are wall-clock seconds so a shared one can agree."""

    def __init__(self, requests_per_second: float, max_requests: int, run_seconds: float | None = None) -> None:
        self.interval = 1.0 / requests_per_second
        self.max_requests = max_requests
        self.run_seconds = run_seconds
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {"sent": 0, "next_slot": 0.0, "paused": {}, "started": time.time()}

    @property
    def sent(self) -> int:
        with self._locked() as state:
            return int(state["sent"])

    @property
    def remaining(self) -> int:
        return self.max_requests - self.sent

    @contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        with self._lock:
            yield self._state

    def acquire(self, key: str = "") -> None:
        """Wait for a slot; raise BudgetExceeded (the request is not sent) when the ceiling or deadline is reached."""
        with self._locked() as state:
            if state["sent"] >= self.max_requests:
                raise BudgetExceeded(
                    f"request budget of {self.max_requests} per run is spent; raise budget.max_requests "
                    "for this target in apiconform.toml or run fewer concerns (--only)"
                )
            now = time.time()
            slot = max(now, state["next_slot"], state["paused"].get(key, 0.0))
            if self.run_seconds is not None and slot > state["started"] + self.run_seconds:
                raise BudgetExceeded(
                    f"run deadline of {self.run_seconds:g} s reached; raise limits.run_seconds for this target "
                    "in apiconform.toml or run fewer concerns (--only)"
                )
            state["next_slot"] = slot + self.interval
            state["sent"] += 1
        delay = slot - now
        if delay > 0:
            time.sleep(delay)

    def close(self) -> None:
        """Nothing to release in one process (``SharedBudget`` closes its file)."""

    def pause(self, key: str, retry_after: str | None) -> None:
        """Honour a Retry-After (delay-seconds) for later requests with the same identity, within a cap."""
        if not retry_after:
            return
        try:
            seconds = min(float(retry_after), MAX_RETRY_AFTER_WAIT)
        except ValueError:
            return
        with self._locked() as state:
            state["paused"][key] = max(state["paused"].get(key, 0.0), time.time() + seconds)


class SharedBudget(RequestBudget):
    """The same budget for several processes: its state in ``folder/budget.json``, under an exclusive lock.

    The file stays open for the process's life (one descriptor, locked, read and rewritten in place): every request
    passes here, and opening the file anew for each one cost two workers more system time than they saved."""

    def __init__(
        self, requests_per_second: float, max_requests: int, run_seconds: float | None = None, *, folder: Path
    ) -> None:
        super().__init__(requests_per_second, max_requests, run_seconds)
        folder.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(folder / "budget.json", os.O_RDWR | os.O_CREAT, 0o600)
        with self._locked():
            pass  # the first process to arrive writes the initial state (its start is the run's)

    @contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        with self._lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                size = os.fstat(self._fd).st_size
                state = json.loads(os.pread(self._fd, size, 0)) if size else dict(self._state)
                yield state
                data = json.dumps(state).encode()
                os.pwrite(self._fd, data, 0)
                os.ftruncate(self._fd, len(data))
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self._fd)
