"""``apiconform run``: check the request, run pytest over suites/, sweep and render the reports.

Why a child process and not ``pytest.main`` here: the suites, Hypothesis and the embedded sandbox keep
process-wide state (registered secrets, loaded plugins, threads); a child process gives every run a
clean slate and lets pytest own the terminal, whose progress lines are the progress display. The child
is forked where that is safe (``pytest_process``) and runs from the repository root so pytest's rootdir,
and with it Allure's historyId, stays stable.

What can be checked cheaply is checked before pytest starts (configuration, target name, concerns,
defect names), so those mistakes are one line and exit 2 instead of a collection error.
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from apiconform.checks.failures import Category
from apiconform.config import DEFAULT_CONFIG_NAME, EMBEDDED, load_config, resolve_target
from apiconform.errors import UsageError
from apiconform.pytest_process import run_pytest
from apiconform.reporting import html
from apiconform.reporting.redaction import redact_text
from apiconform.reporting.sweep import sweep
from apiconform.sandbox.defects import validate_defects

SUITES = "suites"
UNAVAILABLE = Category.UNAVAILABLE.value
CONFIGURATION = "configuration-problem"
BUDGET = "budget-spent"
NOT_NONCONFORMANCE = {UNAVAILABLE, BUDGET, "uncategorised"}
HISTORY_LIMIT = html.HISTORY_LIMIT
PYTEST_INTERRUPTED, PYTEST_INTERNAL, PYTEST_USAGE, PYTEST_NO_TESTS = 2, 3, 4, 5
_OWN_ERROR = re.compile(r"apiconform\.[\w.]*\.(\w+(?:Error|Unavailable|Exceeded|Blocked)): ([^\n]+)")


@dataclass(frozen=True)
class RunOptions:
    target: str | None = None
    config: Path | None = None
    profile: str | None = None
    only: tuple[str, ...] = ()
    allow_writes: bool = False
    strict: bool = False
    defects: tuple[str, ...] = ()
    reports: Path = Path("reports")
    html: bool = True
    fail_on_additive_drift: bool = False
    history_limit: int = HISTORY_LIMIT
    max_requests: int | None = None  # at most this many requests (caps the target's budget; the plan fits to it)
    rule: str | None = None  # only the tests that check this rule (a check rule, or API:operationId)
    shard: tuple[int, int] | None = None  # (K, N): this run is shard K of N, by concern, with 1/N of the budget
    drift_baseline: Path | None = None
    extra: tuple[str, ...] = field(default_factory=tuple)


def find_root(start: Path | None = None) -> Path:
    """The checkout that holds suites/: the working directory or a parent, else the package's own."""
    here = (start or Path.cwd()).resolve()
    package_root = Path(__file__).resolve().parents[2]
    for candidate in (here, *here.parents, package_root):
        if (candidate / SUITES).is_dir() and (candidate / "pyproject.toml").is_file():
            return candidate
    raise UsageError(f"no {SUITES}/ directory found from {here} upward; run from the apiconform checkout")


def concerns(root: Path) -> dict[str, Path]:
    """Concern name -> suite module, from the files present (test_field_types.py -> field-types)."""
    return {p.stem.removeprefix("test_").replace("_", "-"): p for p in sorted((root / SUITES).glob("test_*.py"))}


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` with 1 <= K <= N, or a one-line error."""
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise UsageError(f"--shard {text!r}: give K/N, e.g. --shard 1/2") from None
    if not 1 <= k <= n:
        raise UsageError(f"--shard {text!r}: K must be between 1 and N")
    return k, n


def shard_of(modules: list[str], shard: tuple[int, int] | None) -> list[str]:
    """The concern modules of shard K of N (round robin): every concern in exactly one shard."""
    if shard is None:
        return modules
    k, n = shard
    mine = modules[k - 1 :: n]
    if not mine:
        raise UsageError(f"shard {k}/{n} has no concern: {len(modules)} concern(s) make at most {len(modules)} shards")
    return mine


def select_suites(root: Path, only: tuple[str, ...]) -> list[str]:
    available = concerns(root)
    if not available:
        raise UsageError(f"no suite modules in {root / SUITES} (expected test_<concern>.py files)")
    if not only:
        return [str(path.relative_to(root)) for path in available.values()]
    only = tuple(name.replace("_", "-") for name in only)  # the marker spelling (field_types) works too
    unknown = [name for name in only if name not in available]
    if unknown:
        close = difflib.get_close_matches(unknown[0], available, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise UsageError(f"unknown concern {unknown[0]!r} in --only; {hint}valid concerns: {', '.join(available)}")
    return [str(available[name].relative_to(root)) for name in dict.fromkeys(only)]


def preflight(options: RunOptions, config_path: Path | None) -> str:
    """Validate what pytest would otherwise fail on at collection; the target name that will run.

    Resolving a configured target here also registers its credential values with the redactor of
    this process, so the sweep after pytest masks them too.
    """
    file_config = load_config(config_path)
    name = options.target or file_config.defaults.target
    validate_defects(options.defects)
    if name != EMBEDDED:
        resolve_target(name, file_config)
        if options.defects:
            raise UsageError("--sandbox-defect only applies to the embedded target")
    from apiconform.contracts.secret_fields import secret_field_names
    from apiconform.reporting.redaction import register_secret_fields

    register_secret_fields(secret_field_names())  # the sweep after pytest masks them by name too
    return name


def _selection(options: RunOptions, root: Path, config_path: Path | None) -> list[str]:
    """What decides which tests run against what, with which budget: shared by the run and its plan."""
    command = [
        *shard_of(select_suites(root, options.only), options.shard),
        "-o",  # pytest's cache (--lf, --ff, the learned request costs) lives with the reports it belongs to
        f"cache_dir={options.reports / '.pytest_cache'}",
    ]
    if options.target:
        command += ["--target", options.target]
    if config_path:
        command += ["--config", str(config_path)]
    if options.profile:
        command += ["--profile", options.profile]
    if options.allow_writes:
        command.append("--allow-writes")
    if options.shard is not None:
        command += ["--budget-share", str(options.shard[1])]
    if options.max_requests is not None:
        command += ["--max-requests", str(options.max_requests)]
    if options.rule:
        from apiconform.checks.coverage import keyword_for

        command += ["-k", keyword_for(options.rule, root / SUITES)]
    for defect in options.defects:
        command += ["--sandbox-defect", defect]
    return command


def pytest_args(options: RunOptions, root: Path, config_path: Path | None) -> list[str]:
    reports = options.reports
    command = [
        *_selection(options, root, config_path),
        "--alluredir",
        str(reports / "allure-results"),
        "--clean-alluredir",
        "--junitxml",
        str(reports / "junit.xml"),
        "--results-json",
        str(reports / "results.json"),
        "--observed-dir",
        str(reports / "observed"),
        "--drift-report",
        str(reports / "drift.json"),
    ]
    if options.fail_on_additive_drift:
        command.append("--fail-on-additive-drift")
    if options.drift_baseline is not None:
        command += ["--drift-baseline", str(options.drift_baseline.resolve())]
    if options.strict:
        command.append("--strict-grades")
    if not any(arg.startswith(("-v", "--verbose", "--tb", "-r")) for arg in options.extra):
        command += ["--tb=no", "-rN"]  # the summary lists each failing rule once; -v shows every test's block
    workers = any(arg == "-n" or arg.startswith(("-n", "--numprocesses")) for arg in options.extra)
    if workers and not any(arg.startswith("--dist") for arg in options.extra):
        # Generated tests differ a hundredfold in length: an idle worker takes queued tests from a busy one.
        command += ["--dist", "worksteal"]
    return [*command, *options.extra]


def plan(options: RunOptions) -> int:
    """``apiconform run --plan``: collect and plan, send nothing; print what the run would need and afford."""
    root = find_root()
    config_path = _config_path(options)
    preflight(options, config_path)
    options = replace(options, reports=options.reports.resolve())
    command = [sys.executable, "-m", "pytest", *_selection(options, root, config_path), "--co", "-q", *options.extra]
    completed = subprocess.run(command, cwd=root, check=False, capture_output=True, text=True)
    lines = completed.stdout.splitlines()
    shown = [line for line in lines if line.startswith("plan:")]
    if completed.returncode != 0 or not shown:
        tail = [line for line in (completed.stdout + completed.stderr).splitlines() if line.strip()][-3:]
        print(f"apiconform: error: could not plan the run: {redact_text(' | '.join(tail))}", file=sys.stderr)
        return 2
    print("\n".join(shown))
    return 0


def _config_path(options: RunOptions) -> Path | None:
    """An absolute config path (the child runs elsewhere); the working directory's file by default."""
    if options.config is not None:
        return options.config.resolve()
    default = Path.cwd() / DEFAULT_CONFIG_NAME
    return default.resolve() if default.is_file() else None


def _html(root: Path, reports: Path, history_limit: int = HISTORY_LIMIT) -> None:
    if not html.node_available():
        print(html.no_node_hint(reports / "allure-results"), file=sys.stderr)
        return
    from rich.console import Console

    console = Console(stderr=True)
    try:
        with console.status("building the HTML report (Allure 3)..."):
            report = html.generate(root, reports, history_limit)
    except html.HtmlReportError as exc:
        print(f"apiconform: warning: {exc}", file=sys.stderr)
        return
    sweep([report.index.parent])
    print(f"  html:         {report.index} ({report.stripped} analytics tags stripped)")


def run(options: RunOptions) -> int:
    """Run the suites; the exit status: 0 conforming, 1 nonconformance, 2 usage/config, 3 unavailable."""
    root = find_root()
    config_path = _config_path(options)
    preflight(options, config_path)
    options = replace(options, reports=options.reports.resolve())
    args = pytest_args(options, root, config_path)
    options.reports.mkdir(parents=True, exist_ok=True)
    results_json = options.reports / "results.json"
    results_json.unlink(missing_ok=True)
    (options.reports / "drift.json").unlink(missing_ok=True)
    returncode = run_pytest(args, root)
    sweep([options.reports])
    outcome = decide(returncode, results_json, options.reports / "junit.xml", options.reports / "drift.json")
    if outcome.message:
        kind = "error: " if outcome.exit_code == 2 else ""
        print(f"apiconform: {kind}{outcome.message}", file=sys.stderr)
    print(f"apiconform: {outcome.summary}")
    if options.html and (options.reports / "allure-results").is_dir():
        _html(root, options.reports, options.history_limit)
    print(f"  results:      {options.reports / 'allure-results'}")
    for name in ("junit.xml", "results.json"):
        if (options.reports / name).is_file():
            print(f"  {name + ':':<13} {options.reports / name}")
    return outcome.exit_code


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    summary: str
    message: str = ""


def _collection_error(junit: Path) -> Outcome | None:
    """A collection error from junit.xml, as our own one-line message when one of our errors caused it."""
    try:
        tree = ET.parse(junit)
    except (OSError, ET.ParseError):
        return None
    for case in tree.iter("testcase"):
        error = case.find("error")
        if error is None or error.get("message") != "collection failure":
            continue
        own = _OWN_ERROR.search(error.text or "")
        if own is None:
            return Outcome(2, "collection error", f"collecting {case.get('name')} failed (see above)")
        code = 3 if own.group(1) == "TargetUnavailable" else 2
        summary = "target unavailable" if code == 3 else "configuration error"
        return Outcome(code, summary, own.group(2).strip())
    return None


def _read_json(path: Path | None) -> dict[str, Any]:
    """A report file's JSON, or empty when it is missing or unreadable (a run that died wrote none)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path is not None else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _configuration_outcome(records: list[dict[str, Any]]) -> Outcome | None:
    problems = [str(r.get("message", "")).strip().splitlines() for r in records if r.get("category") == CONFIGURATION]
    if not problems:
        return None
    first = next((lines[0] for lines in problems if lines), "")
    return Outcome(2, f"configuration problem: {len(problems)} test(s) not run", first)


def _drift_outcome(drift_json: Path | None, summary: str) -> Outcome | None:
    """A run whose tests passed but whose answers drifted (unresolved breaking, or additive when asked)."""
    data = _read_json(drift_json)
    counts = data.get("counts", {})
    breaking, additive = int(counts.get("breaking", 0)), int(counts.get("additive", 0))
    if breaking or (additive and data.get("fail_on_additive")):
        return Outcome(
            1,
            f"drift found: {breaking} unresolved breaking, {additive} additive change(s); tests: {summary}",
            f"the answers changed since the {data.get('baseline')}: see {drift_json} (and drift.md)",
        )
    return None


def _checked_nothing(gaps: list[dict[str, Any]]) -> Outcome | None:
    """An API of the target whose every test was skipped (missing credentials, no environment for it)."""
    if not gaps:
        return None
    first = gaps[0]
    unset = f"; set {', '.join(first['missing'][:6])}" if first.get("missing") else ""
    return Outcome(
        2,
        f"nothing checked for {', '.join(g['api'] for g in gaps)}: every test skipped",
        f"{first['api']}: {first['reason']}{unset}",
    )


def decide(returncode: int, results_json: Path, junit: Path, drift_json: Path | None = None) -> Outcome:
    """Map pytest's exit status and the per-test records to apiconform's exit status."""
    data = _read_json(results_json)
    records: list[dict[str, Any]] = data.get("tests", [])
    configuration = _configuration_outcome(records)
    nothing = _checked_nothing(data.get("not_checked", []))
    if returncode == PYTEST_USAGE and configuration is not None:
        return configuration
    if returncode == PYTEST_USAGE and nothing is not None:
        return nothing
    if returncode in (PYTEST_USAGE, PYTEST_INTERNAL):
        return Outcome(2, "usage error", "pytest rejected the run (see its message above)")
    if returncode == PYTEST_NO_TESTS:
        return Outcome(2, "no tests collected", "no tests were collected; check --only and extra pytest args")
    collection = _collection_error(junit)
    if collection is not None:
        return collection
    if returncode == PYTEST_INTERRUPTED:
        return Outcome(130, "interrupted")
    counts = Counter(str(r.get("outcome")) for r in records)
    bad = [r for r in records if r.get("outcome") in {"failed", "error"}]
    by_category = Counter(str(r.get("category") or "uncategorised") for r in bad)
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no test records"
    if by_category:
        summary += " (" + ", ".join(f"{k}: {n}" for k, n in sorted(by_category.items())) + ")"
    if any(cat not in NOT_NONCONFORMANCE for cat in by_category):
        return Outcome(1, f"nonconformance found: {summary}")
    if by_category.get(UNAVAILABLE):
        return Outcome(3, f"target unavailable: {summary}", "the target did not answer; check its base URLs")
    spent = [r for r in records if r.get("category") == BUDGET]  # not run (skipped), or stopped mid-test
    if spent:
        first = next((str(r.get("message", "")).strip() for r in spent if str(r.get("message", "")).strip()), "")
        first = first.splitlines()[0] if first else "the request budget was spent"
        return Outcome(4, f"budget spent: {len(spent)} test(s) not run; {summary}", first)
    if nothing is not None and not bad:
        return nothing
    drifted = _drift_outcome(drift_json, summary)
    if drifted is not None and not bad:
        return drifted
    if bad or returncode != 0:
        return Outcome(1, f"failures without a contract category: {summary}")
    return Outcome(0, f"conforming: {summary}")
