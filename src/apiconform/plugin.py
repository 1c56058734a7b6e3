"""The apiconform pytest plugin (entry point ``pytest11``): options, the run session, report hooks.

The target is started (embedded) or resolved (configured) lazily, on the first collection that needs
it, so ``pytest tests/`` (the project's own tests) never starts a sandbox it does not use.
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Generator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from apiconform.checks.failures import ContractViolation, RuleWarnings, collecting_warnings
from apiconform.config import EMBEDDED, load_config, resolve_target
from apiconform.config.deviations import judge
from apiconform.contracts.secret_fields import secret_field_names
from apiconform.errors import ApiconformError, BudgetExceeded, ConfigError
from apiconform.frame_room import with_frame_room
from apiconform.observed import drift_run
from apiconform.observed.recorder import ShapeRecorder
from apiconform.planning import expected_seconds, heaviest_first, plan_items, planned_profile
from apiconform.planning.costs import save_learned
from apiconform.planning.plan import Plan
from apiconform.reporting import allure_support, allure_writer, failure_block, results
from apiconform.reporting.redaction import redact_text, register_secret_fields
from apiconform.reporting.run_progress import ProgressLines
from apiconform.targets.budget import RequestBudget, SharedBudget
from apiconform.targets.client import TargetClient, WriteBlocked
from apiconform.targets.profiles import profile_named
from apiconform.targets.session import RoleMissing, TargetSession

_SESSION = pytest.StashKey["TargetSession"]()
_SERVER = pytest.StashKey[Any]()
_EXCHANGES = pytest.StashKey[list[Any]]()
_PAYLOADS = pytest.StashKey[list[dict[str, Any]]]()  # xdist controller: what each worker sent
_SUMMARY = pytest.StashKey["results.RunSummary"]()
_BUDGET_DIR = pytest.StashKey[Path]()
_PLAN = pytest.StashKey[Plan]()
_PLAN_SHOWN = pytest.StashKey[bool]()
PLAN_FILE = "plan.json"  # a worker's plan, in the shared budget folder, for the controller to print
PROGRESS_PLUGIN = "apiconform-progress"
_SENT_BEFORE = pytest.StashKey[int]()  # the client's count when the test's setup began
SHARED_BUDGET = "apiconform_shared_budget"
WORKER_PAYLOAD = "apiconform_results"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("apiconform")
    group.addoption("--target", default=None, help="target name from apiconform.toml (default: embedded)")
    group.addoption("--config", default=None, help="path of apiconform.toml (default: ./apiconform.toml)")
    group.addoption("--profile", default=None, choices=["quick", "nightly"], help="depth of generated tests")
    group.addoption(
        "--allow-writes",
        action="store_true",
        default=False,
        help="allow writes (POST/PUT/PATCH/DELETE) against production environments",
    )
    group.addoption(
        "--sandbox-defect",
        action="append",
        default=[],
        metavar="NAME",
        help="embedded target only: start the sandbox with this defect on (repeatable)",
    )
    group.addoption("--results-json", default=None, help="write per-test outcomes and categories as JSON here")
    group.addoption(
        "--budget-share",
        type=int,
        default=1,
        metavar="N",
        help="this run is one of N shards: it gets 1/N of the target's request rate and total",
    )
    group.addoption(
        "--max-requests",
        type=int,
        default=None,
        metavar="N",
        help="send at most N requests this run (caps the target's budget.max_requests; the plan fits the tests to it)",
    )
    group.addoption("--observed-dir", default=None, help="record the shapes of the answers here, for drift")
    group.addoption(
        "--drift-report", default=None, help="drift.json (and drift.md) path; default: beside --observed-dir"
    )
    group.addoption(
        "--drift-baseline", default=None, help="compare with this observed folder or file, not the last run"
    )
    group.addoption(
        "--fail-on-additive-drift",
        action="store_true",
        default=False,
        help="additive drift (a new field, header or enum value gone) fails the run too",
    )
    group.addoption(
        "--strict-grades",
        action="store_true",
        default=False,
        help="broken assumptions and recommendations fail the test (pytest's --strict does the same)",
    )


CONCERN_MARKERS = ("contract", "field-types", "auth", "environments", "isolation", "rate-limits", "lifecycle")


def concern_marker(concern: str) -> str:
    """The pytest marker of a concern (``-m field_types``): marker names are identifiers."""
    return concern.replace("-", "_")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "concern(name): the concern a suite test belongs to")
    config.addinivalue_line("markers", "rule(text, source): the documented rule a suite test checks")
    config.addinivalue_line("markers", "requests(n): about how many requests a scripted suite test sends (planning)")
    config.addinivalue_line("markers", "generated(kind): a generated suite test; its examples are the profile's kind")
    for concern in CONCERN_MARKERS:
        config.addinivalue_line("markers", f"{concern_marker(concern)}: the {concern} suite (apiconform)")
    if not hasattr(config, "workerinput"):  # the process that prints: the only one, or xdist's controller
        config.pluginmanager.register(ProgressLines(), PROGRESS_PLUGIN)


@pytest.hookimpl(trylast=True, specname="pytest_configure")
def pytest_configure_allure_writer(config: pytest.Config) -> None:
    """After allure-pytest's set-up: its writer, without the containers Allure never reads (``allure_writer``)."""
    allure_writer.install(config)


def strict_grades(config: pytest.Config) -> bool:
    target = config.stash[_SESSION].target if _SESSION in config.stash else None
    return results.strict_grades(config, target)


def get_session(config: pytest.Config) -> TargetSession:
    """The run's session, created on first use (collection of a suite module)."""
    if _SESSION in config.stash:
        return config.stash[_SESSION]
    file_config = load_config(Path(config.getoption("--config")) if config.getoption("--config") else None)
    name = config.getoption("--target") or file_config.defaults.target
    profile = profile_named(config.getoption("--profile") or file_config.defaults.profile)
    if config.getoption("hypothesis_seed", default=None) is not None:
        profile = replace(profile, derandomize=False)  # a seed asks for that seed's cases
    defects = config.getoption("--sandbox-defect")
    if name == EMBEDDED:
        from apiconform.contracts import set_overlays
        from apiconform.targets.embedded import start_embedded

        set_overlays({})  # the embedded sandbox honours the shipped contracts as they are

        server, target = start_embedded(defects)
        config.stash[_SERVER] = server
    else:
        if defects:
            raise ApiconformError("--sandbox-defect only applies to the embedded target")
        target = resolve_target(name, file_config)
    register_secret_fields(secret_field_names())  # fields the contracts mark secret, masked by name everywhere
    shared = getattr(config, "workerinput", {}).get(SHARED_BUDGET)
    share = max(1, int(config.getoption("--budget-share") or 1))
    cap = config.getoption("--max-requests")
    if cap is not None and cap < 1:
        raise ApiconformError(f"--max-requests {cap}: give a number of requests of at least 1")
    ceiling = min(target.budget.max_requests, cap) if cap is not None else target.budget.max_requests
    budget: RequestBudget = (SharedBudget if shared else RequestBudget)(
        target.budget.requests_per_second / share,
        max(1, ceiling // share),
        run_seconds=target.limits.run_seconds,
        **({"folder": Path(shared)} if shared else {}),
    )
    allow_writes = config.getoption("--allow-writes") or target.allow_writes
    client = TargetClient(budget, allow_writes=allow_writes, limits=target.limits)
    session = TargetSession(target, client, profile)
    if config.getoption("--observed-dir"):
        session.observer = ShapeRecorder()
    config.stash[_SESSION] = session
    return session


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> object | None:
    """A generated suite test: pytest's own call of the test function, with room on the frame stack
    (frame_room.py), as generation otherwise spends a third of its system time mapping and unmapping frame
    chunks. Any other test is left to whichever plugin calls it (None): a check that sends a request or two
    recurses too little to gain, and the roomy frame's own chunk costs it a mapping of its own each call."""
    if pyfuncitem.get_closest_marker("generated") is None:
        return None
    from _pytest.python import pytest_pyfunc_call as call_test_function  # the default implementation

    return with_frame_room(lambda: call_test_function(pyfuncitem))


@pytest.hookimpl(tryfirst=True)  # before pytest's own -m deselection, which reads these markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        allure_support.describe_rule(item)
        concern = item.get_closest_marker("concern")
        if concern is not None and concern_marker(str(concern.args[0])) not in item.keywords:
            item.add_marker(concern_marker(str(concern.args[0])))


@pytest.hookimpl(trylast=True, specname="pytest_collection_modifyitems")
def pytest_collection_modifyitems_plan(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Plan the run before anything is sent: the requests the selected tests need against the budget; a budget
    too small for them runs the decisive ones, generated tests with fewer examples, and skips the rest."""
    suite = [item for item in items if item.get_closest_marker("concern") is not None]
    if _SESSION not in config.stash or not suite:
        return
    session = config.stash[_SESSION]
    plan = plan_items(config, session, suite)
    config.stash[_PLAN] = plan
    session.profile = planned_profile(session.profile, plan)
    expected = expected_seconds(config, session, suite)
    if hasattr(config, "workerinput") and len(suite) == len(items):  # every worker sorts alike: xdist compares
        items[:] = heaviest_first(items, expected)
    # What each test is expected to cost, for the time-left lines (a test the plan does not run costs nothing).
    weights = {n: 0.0 if n in plan.skipped else w for n, w in expected.items()}
    _weigh_progress(config, weights)
    shared = getattr(config, "workerinput", {}).get(SHARED_BUDGET)
    if shared:  # written whole, then renamed: the controller may read it while another worker writes its copy
        part = Path(shared) / f"{PLAN_FILE}.{os.getpid()}"
        part.write_text(json.dumps({"lines": plan.lines(), "weights": weights}), encoding="utf-8")
        os.replace(part, Path(shared) / PLAN_FILE)


def _weigh_progress(config: pytest.Config, weights: dict[str, float]) -> None:
    progress = config.pluginmanager.get_plugin(PROGRESS_PLUGIN)
    if isinstance(progress, ProgressLines):  # the process that prints: the only one, or xdist's controller
        progress.progress.weigh(weights)


def pytest_collection_finish(session: pytest.Session) -> None:
    """In a suite run, what start-up and collection built (modules, contracts, strategies) lives for the whole
    run: moved out of the collector's reach, a full collection in mid-run scans only what tests made (50-60 ms
    less each)."""
    if any(item.get_closest_marker("concern") is not None for item in session.items):
        gc.freeze()


def pytest_report_collectionfinish(config: pytest.Config) -> list[str]:
    return config.stash[_PLAN].lines() if _PLAN in config.stash else []


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """xdist controller: print the first worker's plan (every worker makes the same one)."""
    config = node.config
    plan_file = _shared_budget_dir(config) / PLAN_FILE
    if _PLAN_SHOWN in config.stash or not plan_file.is_file():
        return
    config.stash[_PLAN_SHOWN] = True
    written = json.loads(plan_file.read_text(encoding="utf-8"))
    _weigh_progress(config, written["weights"])
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    for line in written["lines"]:
        reporter.write_line(line)


def _runs_suites(config: pytest.Config) -> bool:
    explicit = any(config.getoption(o) for o in ("--target", "--config", "--sandbox-defect", "--profile"))
    return explicit or any("suites" in Path(str(arg).split("::")[0]).parts for arg in config.args)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Resolve the target before collection so a bad target or file is one clear line, not a traceback."""
    drift_run.start(session.config)
    if _runs_suites(session.config) and not hasattr(session.config, "workerinput"):
        try:
            get_session(session.config)
        except ApiconformError as exc:
            raise pytest.UsageError(f"apiconform: {exc}") from None


def pytest_unconfigure(config: pytest.Config) -> None:
    if _SESSION in config.stash:
        config.stash[_SESSION].client.close()
    if _SERVER in config.stash:
        config.stash[_SERVER].stop()


@pytest.fixture(scope="session")
def target_session(pytestconfig: pytest.Config) -> TargetSession:
    return get_session(pytestconfig)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Label a suite test for Allure and record its HTTP exchanges (attached if it fails), before its fixtures
    run. A hook, not an autouse fixture: a fixture per test cost a fixture definition, an Allure "before"
    entry and a container file each time."""
    if _SESSION in item.config.stash:
        session = item.config.stash[_SESSION]
        item.stash[_SENT_BEFORE] = session.client.sent_here
        if item.get_closest_marker("concern") is not None:
            allure_support.label_test(item, session)  # allure-pytest has scheduled the test (its wrapper)
            item.stash[_EXCHANGES] = session.client.record_anew()
    plan = item.config.stash.get(_PLAN, None)
    if plan is not None and item.nodeid in plan.skipped:
        raise BudgetExceeded(
            f"not run: the plan's budget of {plan.budget} requests affords the more decisive tests first; "
            "raise budget.max_requests (or --max-requests) for this target, or run fewer concerns (--only)"
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Collect the test's broken assumptions and recommendations; after the test, report them together.

    A blocking failure carries the warnings seen before it; a test with only warnings raises RuleWarnings,
    which ``pytest_runtest_makereport`` turns into a pass with warnings (a failure under ``--strict``)."""
    if item.get_closest_marker("concern") is None:
        return (yield)
    with collecting_warnings() as warnings:
        try:
            result = yield
        except ContractViolation as failure:
            _keep_warnings(item, warnings.violations)
            allure_support.label_grades([failure.grade])
            if warnings.violations:
                failure.add_note(_warning_note(warnings.violations))
            raise
        except BaseException:
            _keep_warnings(item, warnings.violations)
            raise
    _keep_warnings(item, warnings.violations)
    if warnings.violations:
        raise RuleWarnings(warnings.violations)
    return result


def _keep_warnings(item: pytest.Item, violations: list[ContractViolation]) -> None:
    item.stash[results.WARNINGS] = violations
    if violations:
        allure_support.label_warnings(violations)


def _warning_note(violations: list[ContractViolation]) -> str:
    lines = [f"also {len(violations)} warning(s):"]
    lines += [f"  [{v.grade}] {v.check}: {v.message}" for v in violations]
    return "\n".join(lines)


NOT_RUN = (WriteBlocked, RoleMissing, BudgetExceeded, ConfigError)


@pytest.hookimpl(tryfirst=True, specname="pytest_runtest_makereport")
def pytest_runtest_makereport_not_run(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport | None:
    """A suite test stopped as not run (budget, write guard, role or configuration) gets its report without
    pytest's traceback: pytest would format one, parsing the source of every frame (a third of a budgeted run's
    time without ``--tb=no``), and ``pytest_runtest_makereport`` below replaces it with one line anyway."""
    if call.excinfo is None or not call.excinfo.errisinstance(NOT_RUN) or item.get_closest_marker("concern") is None:
        return None
    sections = [(f"Captured {key} {when}", content) for when, key, content in item._report_sections]
    return pytest.TestReport(
        item.nodeid,
        item.location,
        dict.fromkeys(item.keywords, 1),
        "skipped",
        (str(item.path), item.location[1] or 0, redact_text(f"Skipped: {call.excinfo.value}")),
        call.when,  # type: ignore[arg-type]  # setup or call: teardown raises none of these
        sections,
        call.duration,
        call.start,
        call.stop,
        item.user_properties,
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if call.when == "setup" and item.get_closest_marker("concern") is not None and _SESSION in item.config.stash:
        allure_support.title_test(item, item.config.stash[_SESSION])  # allure-pytest named it in setup, and keeps it
    stopped = call.excinfo is not None and item.get_closest_marker("concern") is not None  # suite tests only
    if stopped and call.excinfo is not None and call.excinfo.errisinstance((WriteBlocked, RoleMissing)):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, redact_text(f"Skipped: {call.excinfo.value}"))
    elif stopped and call.excinfo is not None and call.excinfo.errisinstance(BudgetExceeded):
        # What the budget could not afford is not run, never a failure of the vendor's (category budget-spent).
        report.outcome = "skipped"
        reason = f"Skipped: {results.BUDGET}: {call.excinfo.value}"
        report.longrepr = (str(item.path), item.location[1] or 0, redact_text(reason))
    elif stopped and call.excinfo is not None and call.excinfo.errisinstance(ConfigError):
        # A credential the target cannot use stops the test as what it is, not as a contract failure.
        report.outcome = "skipped"
        reason = f"Skipped: {results.CONFIGURATION}: {call.excinfo.value}"
        report.longrepr = (str(item.path), item.location[1] or 0, redact_text(reason))
    elif (
        report.failed
        and call.when == "call"
        and call.excinfo is not None
        and call.excinfo.errisinstance(RuleWarnings)
        and not strict_grades(item.config)
    ):
        report.outcome = "passed"  # only assumptions or recommendations broke: visible, never failing
        report.longrepr = None
        for violation in item.stash.get(results.WARNINGS, []):
            item.user_properties.append(("apiconform_warning", f"[{violation.grade}] {violation.check}"))
    elif report.failed and call.when == "call":
        exchanges = item.stash.get(_EXCHANGES, [])
        if exchanges:
            allure_support.attach_exchanges(exchanges)
        grade = results.grade_of(call)
        if grade is not None:
            item.user_properties.append(("apiconform_grade", grade))
        _judge_deviation(item, report, call)
        if report.failed:
            _describe_failure(item, report, call, len(exchanges))
    if report.longrepr is not None and not report.skipped and not failure_block.is_compact(report.longrepr):
        report.longrepr = redact_text(str(report.longrepr))
    report.sections = [(title, redact_text(content)) for title, content in report.sections]
    if report.when == "setup":
        item.stash[results.SETUP_SECONDS] = report.duration
    if report.when == "call" or (report.when == "setup" and not report.passed):
        if _SENT_BEFORE in item.stash:
            item.stash[results.REQUESTS] = item.config.stash[_SESSION].client.sent_here - item.stash[_SENT_BEFORE]
        results.record(item, report, call)
    return report


def _describe_failure(
    item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[None], exchanges: int
) -> None:
    """A graded rule failure: JUnit properties, and the compact block (the traceback under ``-v``) with a one-line
    message as the report (the traceback stays in Allure)."""
    violation = call.excinfo.value if call.excinfo is not None else None
    if not failure_block.applies(violation):
        return
    item.user_properties.extend(failure_block.properties(item, violation))
    compact = failure_block.longrepr(item, call, report, exchanges)
    if compact is not None:
        if item.config.option.verbose < 1:
            allure_support.attach_traceback(failure_block.traceback_text(report))
        report.longrepr = compact


def _judge_deviation(item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[None]) -> None:
    """A failure the team accepted is reported as such (not run as a failure) while the deviation holds; an
    expired or changed one fails with a note saying so."""
    violation = call.excinfo.value if call.excinfo is not None else None
    if isinstance(violation, RuleWarnings):
        violation = violation.violations[0]
    deviations = item.config.stash[_SESSION].target.deviations if _SESSION in item.config.stash else ()
    if not isinstance(violation, ContractViolation) or not deviations:
        return
    verdict = judge(deviations, item.nodeid, violation.check, violation.message, date.today())
    if verdict is None:
        return
    item.stash[results.DEVIATION] = verdict.judgement
    if verdict.judgement == "accepted":
        report.outcome = "skipped"
        reason = f"Skipped: {verdict.note()} [{violation.check}: {violation.message}]"
        report.longrepr = (str(item.path), item.location[1] or 0, redact_text(reason))
    else:
        item.stash[failure_block.NOTE] = verdict.note()
        report.longrepr = f"{verdict.note()}\n{report.longrepr}"


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist controller: every worker spends one budget, kept in a file they lock (``SharedBudget``)."""
    node.workerinput[SHARED_BUDGET] = str(_shared_budget_dir(node.config))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist controller: a worker's records and summary, for one results.json and one summary."""
    payload = getattr(node, "workeroutput", {}).get(WORKER_PAYLOAD)
    if payload:
        node.config.stash.setdefault(_PAYLOADS, []).append(payload)


def _shared_budget_dir(config: pytest.Config) -> Path:
    if _BUDGET_DIR not in config.stash:
        import tempfile

        config.stash[_BUDGET_DIR] = Path(tempfile.mkdtemp(prefix="apiconform-budget-"))
    return config.stash[_BUDGET_DIR]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    summary: results.RunSummary | None = None
    if _SESSION in config.stash:
        drift_run.keep_part(config, config.stash[_SESSION])
        summary = results.RunSummary.of(config, config.stash[_SESSION], config.stash.get(_PLAN, None))
    drift_run.finish(session)
    if hasattr(config, "workerinput"):
        if summary is not None:
            config.workeroutput[WORKER_PAYLOAD] = results.worker_payload(config, summary)  # type: ignore[attr-defined]
        return
    # Under xdist the controller also resolved the target (to fail early on a bad one) but ran no test:
    # the workers' records and summaries are the run's.
    summary = results.take_worker_payloads(config, config.stash.get(_PAYLOADS, [])) or summary
    if summary is None:
        return
    config.stash[_SUMMARY] = summary
    cut = bool(summary.plan.get("examples"))
    save_learned(config, summary.target, summary.profile, results.records_of(config), depth_cut=cut)
    if session.exitstatus == pytest.ExitCode.OK and results.configuration_problems(config):
        session.exitstatus = pytest.ExitCode.USAGE_ERROR  # a run that could not use its credentials is not green
    if session.exitstatus == pytest.ExitCode.OK and results.not_checked(config, summary):
        session.exitstatus = pytest.ExitCode.USAGE_ERROR  # an API whose every test was skipped was not checked
    alluredir = config.getoption("allure_report_dir", default=None)
    if alluredir and _SESSION in config.stash:
        allure_support.write_run_files(Path(alluredir), config.stash[_SESSION])
    results_path = config.getoption("--results-json")
    if results_path:
        results.write_json(Path(results_path), config, summary)


@pytest.hookimpl(trylast=True, specname="pytest_sessionfinish")
def pytest_sessionfinish_sweep(session: pytest.Session, exitstatus: int) -> None:
    """Last redaction pass over every report file, after JUnit, Allure and results JSON are written.

    It must run here, in the pytest process: secrets issued during the run (tokens, the embedded
    sandbox's throwaway credentials) are registered in this process only.
    """
    from apiconform.reporting.sweep import sweep

    config = session.config
    if hasattr(config, "workerinput"):
        return
    outputs = (
        config.getoption("allure_report_dir", default=None),
        getattr(config.option, "xmlpath", None),
        config.getoption("--results-json"),
        *drift_run.outputs(config),
    )
    sweep(Path(path) for path in outputs if path)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if _SUMMARY in config.stash:
        results.print_summary(terminalreporter, config, config.stash[_SUMMARY])
    drift_run.print_summary(terminalreporter, config)
