"""Observed shapes and drift in a pytest run: the glue between the plugin and ``observed``.

Each process (an xdist worker or the only one) writes the shapes it recorded as a part; the process
that ends the run merges them, compares with the baseline and decides: unresolved breaking drift
(or, with ``--fail-on-additive-drift``, any additive drift) makes a run that was otherwise green exit 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apiconform.errors import ApiconformError
from apiconform.observed import report, store

_RESULT = pytest.StashKey["report.DriftResult"]()
_PROBLEM = pytest.StashKey[str]()


def _directory(config: pytest.Config) -> Path | None:
    value = config.getoption("--observed-dir", default=None)
    return Path(value) if value else None


def _drift_json(config: pytest.Config, directory: Path) -> Path:
    value = config.getoption("--drift-report", default=None)
    return Path(value) if value else directory.parent / "drift.json"


def start(config: pytest.Config) -> None:
    """The main process starts from no parts: a killed run's parts must not count in this one."""
    directory = _directory(config)
    if directory is not None and not hasattr(config, "workerinput"):
        store.clear_parts(directory)


def keep_part(config: pytest.Config, session: Any) -> None:
    directory = _directory(config)
    if directory is not None and session.observer is not None:
        store.write_part(directory, session.target.name, session.observer.snapshot())


def finish(session: pytest.Session) -> None:
    """Merge, compare, report; an unreadable observed file is one line, never a crash: the run's own
    reports must still be written."""
    config = session.config
    directory = _directory(config)
    if directory is None or hasattr(config, "workerinput"):
        return
    try:
        _finish(session, directory)
    except (ApiconformError, OSError, ValueError, KeyError) as exc:
        config.stash[_PROBLEM] = f"drift not computed: {exc} (delete {directory} to start the observations afresh)"


def _finish(session: pytest.Session, directory: Path) -> None:
    config = session.config
    from apiconform.contracts import schemas_fingerprint

    observed = store.finish_run(directory, {"schemas": schemas_fingerprint()})
    for target in dict.fromkeys(t for t, _ in observed):
        baseline = config.getoption("--drift-baseline", default=None)
        result = report.compute(
            directory,
            target,
            Path(baseline) if baseline else None,
            fail_on_additive=bool(config.getoption("--fail-on-additive-drift", default=False)),
            only=[env for t, env in observed if t == target],
        )
        alluredir = config.getoption("allure_report_dir", default=None)
        report.write(result, _drift_json(config, directory), Path(alluredir) if alluredir else None)
        config.stash[_RESULT] = result
        if result.failed and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def outputs(config: pytest.Config) -> list[str]:
    directory = _directory(config)
    if directory is None:
        return []
    drift_json = _drift_json(config, directory)
    return [str(directory), str(drift_json), str(drift_json.with_suffix(".md"))]


def print_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if _PROBLEM in config.stash:
        terminalreporter.write_line(f"apiconform: warning: {config.stash[_PROBLEM]}")
    if _RESULT in config.stash:
        for line in report.terminal_lines(config.stash[_RESULT]):
            terminalreporter.write_line(line)
