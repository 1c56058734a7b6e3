"""allure-pytest's result writer, minus the files Allure never reads.

allure-pytest writes a container file for every fixture a test sets up, and pytest implements each
``parametrize`` argument as a fixture of its own: a suite test with four parameters gets four containers
that list no test (empty ``children``), which Allure ignores (a known allure-pytest behaviour, "Test
parametrization creates orphan container json files", allure-framework/allure-python#223). They were 950
of a quick run's 1,284 result files, each a file write (about 1 ms on this machine) in the test's
teardown. This writer is allure-python-commons' own file logger that skips them; it stands in for
allure-pytest's for the session and gives it back at cleanup, where allure-pytest unregisters its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import allure_commons
import pytest
from allure_commons.logger import AllureFileLogger


class LeanAllureFileLogger(AllureFileLogger):
    """allure-python-commons' file logger, without containers that hold no test."""

    @allure_commons.hookimpl
    def report_container(self, container: Any) -> None:
        if container.children:
            super().report_container(container)  # type: ignore[no-untyped-call]


def install(config: pytest.Config) -> bool:
    """Stand in for the file logger allure-pytest registered for this session; False when there is none
    (no ``--alluredir``) or more than one (a pytest run inside another: left as it is)."""
    report_dir = config.getoption("allure_report_dir", default=None)
    manager = allure_commons.plugin_manager
    found = [p for p in manager.get_plugins() if type(p) is AllureFileLogger]
    if not report_dir or len(found) != 1:
        return False
    original = found[0]
    name = manager.get_name(original)
    manager.unregister(original)
    # Not cleaned again: allure-pytest's own set-up has honoured --clean-alluredir.
    lean = LeanAllureFileLogger(str(Path(report_dir).absolute()))  # type: ignore[no-untyped-call]
    manager.register(lean)

    def give_back() -> None:
        manager.unregister(lean)
        manager.register(original, name)

    config.add_cleanup(give_back)
    return True
