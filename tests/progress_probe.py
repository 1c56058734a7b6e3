"""A pytest plugin for tests (``-p tests.progress_probe``): says, from the process that prints the time-left lines
(the only process, or xdist's controller), how many tests those lines weigh by cost, and how many of them the
plan runs (weight above 0)."""

from __future__ import annotations

import pytest

from apiconform.plugin import PROGRESS_PLUGIN


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    plugin = config.pluginmanager.get_plugin(PROGRESS_PLUGIN)
    if plugin is None or hasattr(config, "workerinput"):
        return
    weights = plugin.progress.weights
    terminalreporter.write_line(f"progress weights: {len(weights)} tests, {sum(w > 0 for w in weights.values())} run")
