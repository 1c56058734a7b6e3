"""The time left in a long suite run, as plain lines between pytest's own progress (which has no estimate).

Nothing is printed in the first ``FIRST_AFTER`` seconds (a quick run ends before), then at most one line
every ``EVERY`` seconds: ``apiconform: 120/432 tests done, about 35 s left``. Plain text, so CI logs read it.
"""

from __future__ import annotations

import time
from typing import Any

FIRST_AFTER = 15.0
EVERY = 15.0


def eta_line(done: int, total: int, elapsed: float) -> str | None:
    """The line for ``done`` of ``total`` tests after ``elapsed`` seconds, or None when there is nothing to say."""
    if done <= 0 or total <= 0 or done >= total:
        return None
    left = elapsed / done * (total - done)
    return f"apiconform: {done}/{total} tests done, about {left:.0f} s left"


class RunProgress:
    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._start = clock()
        self._last = self._start
        self.done = 0

    def finished(self, total: int) -> str | None:
        """Count one finished test; the line to print now, if one is due."""
        self.done += 1
        now = self._clock()
        if now - self._start < FIRST_AFTER or now - self._last < EVERY:
            return None
        self._last = now
        return eta_line(self.done, total, now - self._start)


class ProgressLines:
    """A pytest plugin (registered by apiconform's) printing the time left in long runs."""

    def __init__(self) -> None:
        self._progress = RunProgress()
        self._session: Any = None

    def pytest_sessionstart(self, session: Any) -> None:
        self._session = session

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.when != "teardown" or self._session is None:
            return
        line = self._progress.finished(int(getattr(self._session, "testscollected", 0) or 0))
        reporter = self._session.config.pluginmanager.get_plugin("terminalreporter")
        if line and reporter is not None:
            reporter.write_line(line)
