"""The time left in a long suite run, as plain lines between pytest's own progress (which has no estimate).

Nothing is printed in the first ``FIRST_AFTER`` seconds (a quick run ends before), then at most one line
every ``EVERY`` seconds: ``apiconform: 120/432 tests done, about 35 s left``. Plain text, so CI logs read it.

The estimate follows the tests' expected cost (the planner's requests per test, learned from earlier runs where
it can), not their count: a generated contract test sends dozens of requests and an auth check one, so counting
misjudges the time left wherever the heavy tests are not spread evenly (a nightly run, 16 s in, said 6 s left
where 21 s were; weighed, it says 26 s). Without costs (no suite test) every test weighs the same.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

FIRST_AFTER = 15.0
EVERY = 15.0


def eta_line(done: int, total: int, elapsed: float, share_done: float | None = None) -> str | None:
    """The line for ``done`` of ``total`` tests after ``elapsed`` seconds, or None when there is nothing to say.
    ``share_done``: the part of the run's expected cost those tests were (``done / total`` when not known)."""
    if done <= 0 or total <= 0 or done >= total:
        return None
    share = share_done if share_done is not None and 0 < share_done < 1 else done / total
    left = elapsed * (1 - share) / share
    return f"apiconform: {done}/{total} tests done, about {left:.0f} s left"


class RunProgress:
    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._start = clock()
        self._last = self._start
        self.done = 0
        self.weights: dict[str, float] = {}
        self._average = 0.0
        self._done_weight = 0.0

    def weigh(self, weights: Mapping[str, float]) -> None:
        """The expected cost of each test by node id (tests not listed weigh as the average listed one)."""
        self.weights = {nodeid: max(0.0, float(w)) for nodeid, w in weights.items()}
        self._average = sum(self.weights.values()) / len(self.weights) if self.weights else 0.0

    def _share_done(self, total: int) -> float | None:
        if not self.weights:
            return None
        expected = sum(self.weights.values()) + max(0, total - len(self.weights)) * self._average
        return self._done_weight / expected if expected > 0 else None

    def finished(self, total: int, nodeid: str = "") -> str | None:
        """Count one finished test; the line to print now, if one is due."""
        self.done += 1
        if self.weights:
            self._done_weight += self.weights.get(nodeid, self._average)
        now = self._clock()
        if now - self._start < FIRST_AFTER or now - self._last < EVERY:
            return None
        self._last = now
        return eta_line(self.done, total, now - self._start, self._share_done(total))


class ProgressLines:
    """A pytest plugin (registered by apiconform's) printing the time left in long runs."""

    def __init__(self) -> None:
        self.progress = RunProgress()
        self._session: Any = None

    def pytest_sessionstart(self, session: Any) -> None:
        self._session = session

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.when != "teardown" or self._session is None:
            return
        line = self.progress.finished(int(getattr(self._session, "testscollected", 0) or 0), report.nodeid)
        reporter = self._session.config.pluginmanager.get_plugin("terminalreporter")
        if line and reporter is not None:
            reporter.write_line(line)
