"""The request budget of a target: a rate, a ceiling per run, and a pause after Retry-After.

One instance per run, shared by every test, so the suite as a whole never exceeds what the vendor's
plan allows (seed 003: plans limit calls per interval).
"""

from __future__ import annotations

import threading
import time

from apiconform.errors import BudgetExceeded

MAX_RETRY_AFTER_WAIT = 5.0


class RequestBudget:
    def __init__(self, requests_per_second: float, max_requests: int) -> None:
        self.interval = 1.0 / requests_per_second
        self.max_requests = max_requests
        self.sent = 0
        self._next_slot = 0.0
        self._paused_until: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def remaining(self) -> int:
        with self._lock:
            return self.max_requests - self.sent

    def acquire(self, key: str = "") -> None:
        """Wait for a slot; raise BudgetExceeded (the request is not sent) when the ceiling is reached."""
        with self._lock:
            if self.sent >= self.max_requests:
                raise BudgetExceeded(
                    f"request budget of {self.max_requests} per run is spent; raise budget.max_requests "
                    "for this target in apiconform.toml or run fewer concerns (--only)"
                )
            now = time.monotonic()
            slot = max(now, self._next_slot, self._paused_until.get(key, 0.0))
            self._next_slot = slot + self.interval
            self.sent += 1
        delay = slot - now
        if delay > 0:
            time.sleep(delay)

    def pause(self, key: str, retry_after: str | None) -> None:
        """Honour a Retry-After (delay-seconds) for later requests with the same identity, within a cap."""
        if not retry_after:
            return
        try:
            seconds = min(float(retry_after), MAX_RETRY_AFTER_WAIT)
        except ValueError:
            return
        with self._lock:
            self._paused_until[key] = max(self._paused_until.get(key, 0.0), time.monotonic() + seconds)
