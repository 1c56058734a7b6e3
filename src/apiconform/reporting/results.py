"""Per-test outcomes with their concern and failure category: the terminal summary and results JSON.

The detection matrix reads the JSON; a person reads the summary. Both come from the same records.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from apiconform.checks.failures import Category
from apiconform.errors import BudgetExceeded, ConfigError, TargetUnavailable
from apiconform.parametrize import params_of
from apiconform.reporting.redaction import redact_text

_RECORDS = pytest.StashKey[list[dict[str, Any]]]()
CONFIGURATION = "configuration-problem"
BUDGET = "budget-spent"  # not run: the request budget or the run deadline was spent (never the vendor's fault)
DEVIATION = pytest.StashKey[str]()  # accepted / expired / changed, when an accepted deviation speaks of it
WARNINGS = pytest.StashKey[list[Any]]()  # the test's broken assumptions and recommendations (ContractViolation)
SETUP_SECONDS = pytest.StashKey[float]()
REQUESTS = pytest.StashKey[int]()  # requests the test sent, its setup included (what the planner learns costs from)
MAX_LISTED = 20


def _warning(violation: Any) -> dict[str, Any]:
    return {
        "check": violation.check,
        "grade": str(violation.grade),
        "category": str(violation.category),
        "message": redact_text(violation.message)[:500],
        "detail": redact_text(getattr(violation, "detail", violation.message))[:1000],
        "operation": violation.operation,
        "source": redact_text(str(violation.source or ""))[:300],
    }


def grade_of(call: pytest.CallInfo[None]) -> str | None:
    """The grade of the rule that stopped the test, when a graded violation did."""
    grade = getattr(call.excinfo.value, "grade", None) if call.excinfo is not None else None
    return str(grade) if grade is not None else None


def _category(call: pytest.CallInfo[None]) -> str | None:
    if call.excinfo is None:
        return None
    category = getattr(call.excinfo.value, "category", None)
    if isinstance(category, Category):
        return category.value
    if call.excinfo.errisinstance(TargetUnavailable):
        return Category.UNAVAILABLE.value
    if call.excinfo.errisinstance(BudgetExceeded):
        return BUDGET
    if call.excinfo.errisinstance(ConfigError):
        return CONFIGURATION
    return None


def record(item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[None]) -> None:
    concern = item.get_closest_marker("concern")
    if concern is None:
        return
    records = item.config.stash.setdefault(_RECORDS, [])
    outcome: str = "error" if report.when == "setup" and report.failed else report.outcome
    message = ""
    if outcome != "passed" and call.excinfo is not None and report.when == call.when:
        message = redact_text(str(call.excinfo.value))[:4000]
    elif report.longrepr is not None and outcome != "passed":
        text = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        message = redact_text(text)[-2000:]
    params = {k: getattr(v, "label", None) or str(v) for k, v in params_of(item).items()}
    records.append(
        {
            "nodeid": item.nodeid,
            "name": item.name,
            "concern": str(concern.args[0]),
            "params": params,
            "outcome": outcome,
            "category": _category(call),
            "message": message,
            "deviation": item.stash.get(DEVIATION, None),
            "grade": grade_of(call) if outcome != "passed" else None,
            "warnings": [_warning(v) for v in item.stash.get(WARNINGS, [])],
            "requests": item.stash.get(REQUESTS, 0),
            "generated": bool(item.get_closest_marker("generated")),
            "seconds": round(
                item.stash.get(SETUP_SECONDS, 0.0) + (report.duration if report.when == "call" else 0.0), 4
            ),
        }
    )


def configuration_problems(config: pytest.Config) -> list[str]:
    """The distinct configuration problems that stopped tests (a refused credential, a missing field)."""
    found = [r["message"].strip().splitlines()[0] for r in records_of(config) if r["category"] == CONFIGURATION]
    return list(dict.fromkeys(m for m in found if m))


def records_of(config: pytest.Config) -> list[dict[str, Any]]:
    if _RECORDS not in config.stash:
        return []
    records: list[dict[str, Any]] = config.stash[_RECORDS]
    return list(records)


def strict_grades(config: pytest.Config, target: Any) -> bool:
    """Whether warnings fail: ``--strict-grades``, pytest's ``--strict``, or the target's ``strict = true``."""
    if config.getoption("--strict-grades", default=False) or config.getoption("strict", default=False):
        return True
    return bool(getattr(target, "strict", False))


def counts(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Outcomes, failures per grade and warnings per grade: what a CI dashboard plots."""
    outcomes = Counter(r["outcome"] for r in records)
    failures = Counter(r.get("grade") or "ungraded" for r in records if r["outcome"] in {"failed", "error"})
    warnings = Counter(w["grade"] for r in records for w in r.get("warnings", []))
    return {
        "outcomes": dict(outcomes),
        "failures_by_grade": dict(failures),
        "warnings": sum(warnings.values()),
        "warnings_by_grade": dict(warnings),
        "tests_with_warnings": sum(1 for r in records if r.get("warnings")),
    }


def contract_versions(apis: list[str]) -> dict[str, str]:
    """API -> a short hash of its effective contract (the bundled document with the target's overlay): what
    ``apiconform golive`` compares to tell whether the last run judged the contract that holds now."""
    from apiconform.contracts import load_api

    return {
        api: hashlib.sha256(json.dumps(load_api(api).bundled, sort_keys=True).encode()).hexdigest()[:12] for api in apis
    }


def _full_run(config: pytest.Config, ran: list[str]) -> bool:
    """Every suite concern ran and nothing narrowed the selection (-k, -m, --deselect): a go-live gate may
    only trust a run that judged everything."""
    from apiconform.runner import concerns

    narrowed = any(getattr(config.option, name, None) for name in ("keyword", "markexpr", "deselect"))
    expected = set(concerns(config.rootpath))
    return bool(expected) and expected <= set(ran) and not narrowed


@dataclass
class RunSummary:
    """What results.json and the terminal summary say of the run besides the per-test records; built from the
    session in the process that ran the tests, sent to the xdist controller as JSON, added up there."""

    target: str
    profile: str
    requests_sent: int
    writes_sent: int
    strict: bool
    environments: list[str]
    apis: list[str]
    missing: list[str]  # credential fields whose variable is not set, "role.field ($VAR)"
    contract_versions: dict[str, str] = field(default_factory=dict)
    max_requests: int = 0  # this run's budget (its share, when sharded)
    budget_share: int = 1
    plan: dict[str, Any] = field(default_factory=dict)  # apiconform.planning.Plan.to_json()

    @classmethod
    def of(cls, config: pytest.Config, session: Any, plan: Any = None) -> RunSummary:
        target = session.target
        return cls(
            target=target.name,
            profile=session.profile.name,
            requests_sent=session.client.budget.sent,
            writes_sent=session.client.writes_sent,
            strict=strict_grades(config, target),
            environments=sorted(target.environments),
            apis=list(target.apis()),
            missing=sorted({m for env in target.environments.values() for m in getattr(env, "missing", ())}),
            contract_versions=contract_versions(target.apis()),
            max_requests=session.client.budget.max_requests,
            budget_share=max(1, int(config.getoption("--budget-share", default=1) or 1)),
            plan=plan.to_json() if plan is not None else {},
        )

    @classmethod
    def merged(cls, parts: list[RunSummary]) -> RunSummary:
        """Workers share one budget (its count is the run's), each counts its own writes."""
        first = parts[0]
        return replace(
            first,
            requests_sent=max(p.requests_sent for p in parts),
            writes_sent=sum(p.writes_sent for p in parts),
        )


def not_checked(config: pytest.Config, summary: RunSummary) -> list[dict[str, Any]]:
    """The target's APIs whose every test was skipped: a run that checked nothing there is no green run.
    Each with how many were skipped, the first reason and the credential variables that are not set."""
    records = records_of(config)
    missing = summary.missing
    out = []
    for api in summary.apis:
        mine = [r for r in records if api in r["nodeid"] or r.get("params", {}).get("api") == api]
        budget = any(r["category"] == BUDGET for r in mine)  # not run for want of budget: its own outcome
        if mine and all(r["outcome"] == "skipped" for r in mine) and not budget:
            reason = next((r["message"].strip().splitlines()[-1] for r in mine if r["message"].strip()), "")
            out.append({"api": api, "skipped": len(mine), "reason": reason[:300], "missing": missing})
    return out


def write_json(path: Path, config: pytest.Config, summary: RunSummary) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    records = records_of(config)
    ran = sorted({str(r["concern"]) for r in records})
    data = {
        "target": summary.target,
        "profile": summary.profile,
        "requests_sent": summary.requests_sent,
        "writes_sent": summary.writes_sent,
        "strict": summary.strict,
        "counts": counts(records),
        "tests": records,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "concerns": ran,
        "full_run": _full_run(config, ran),
        "environments": summary.environments,
        "contract_versions": summary.contract_versions,
        "not_checked": not_checked(config, summary),
        "budget": {"max_requests": summary.max_requests, "share": summary.budget_share},
        "plan": summary.plan,
    }
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def worker_payload(config: pytest.Config, summary: RunSummary) -> dict[str, Any]:
    """What an xdist worker hands the controller (``workeroutput``): its records and its summary."""
    return {"summary": asdict(summary), "records": records_of(config)}


def take_worker_payloads(config: pytest.Config, payloads: list[dict[str, Any]]) -> RunSummary | None:
    """The controller's view of the run: every worker's records, one summary."""
    if not payloads:
        return None
    config.stash[_RECORDS] = [record for payload in payloads for record in payload["records"]]
    return RunSummary.merged([RunSummary(**payload["summary"]) for payload in payloads])


def print_summary(terminalreporter: Any, config: pytest.Config, summary: RunSummary) -> None:
    records = records_of(config)
    if not records:
        return
    by_concern: dict[str, Counter[str]] = defaultdict(Counter)
    for rec in records:
        by_concern[rec["concern"]][rec["outcome"]] += 1
    table = Table(title=f"apiconform: target {summary.target}, profile {summary.profile}")
    for column in ("concern", "passed", "failed", "error", "skipped"):
        table.add_column(column, justify="left" if column == "concern" else "right")
    for concern, counts in sorted(by_concern.items()):
        table.add_row(concern, *(str(counts.get(k, 0)) for k in ("passed", "failed", "error", "skipped")))
    console = Console(file=terminalreporter._tw._file, force_terminal=False, width=100)
    console.print(table)
    failed = [r for r in records if r["outcome"] in {"failed", "error"}]
    _print_failures(console, failed)
    _print_warnings(console, records)
    accepted = [r for r in records if r.get("deviation") == "accepted"]
    for rec in accepted[:20]:
        console.print(
            f"  ACCEPTED {escape(rec['nodeid'].split('::')[-1])} {escape(rec['message'][:200])}", soft_wrap=True
        )
    if accepted:
        console.print(f"{len(accepted)} failure(s) are accepted deviations (see the target's deviations file)")
    for gap in not_checked(config, summary):
        unset = f"; not set: {', '.join(gap['missing'][:6])}" if gap["missing"] else ""
        console.print(
            f"  NOT CHECKED {escape(gap['api'])}: all {gap['skipped']} test(s) skipped ({escape(gap['reason'][:160])})"
            f"{escape(unset)}",
            soft_wrap=True,
        )
    problems = configuration_problems(config)
    stopped = sum(1 for r in records if r["category"] == CONFIGURATION)
    for problem in problems:
        console.print(f"  CONFIGURATION {escape(problem[:300])}", soft_wrap=True)
    if problems:
        console.print(f"{stopped} test(s) not run because of {len(problems)} configuration problem(s) above")
    _print_budget(console, records, summary)
    console.print(f"requests sent: {summary.requests_sent}")


def _print_budget(console: Console, records: list[dict[str, Any]], summary: RunSummary) -> None:
    """What the budget did to the run: tests it could not afford (not run, never failed) and cut depth."""
    spent = [r for r in records if r["category"] == BUDGET]
    plan = summary.plan
    depth = ", ".join(f"{kind} {full}->{now}" for kind, (full, now) in plan.get("examples", {}).items())
    if spent:
        console.print(
            f"  BUDGET SPENT {len(spent)} test(s) not run within {summary.max_requests} requests: raise "
            "budget.max_requests (or --max-requests) for this target, or run fewer concerns (--only)",
            soft_wrap=True,
        )
    if depth:
        console.print(f"  BUDGET generated examples per test cut to fit the budget ({depth})", soft_wrap=True)


def _check_of(rec: dict[str, Any]) -> str:
    """The check named by ``[category] check: ...`` (the first line of a rule failure), else empty."""
    first = rec["message"].strip().splitlines()[0] if rec["message"].strip() else ""
    head = first.removeprefix(f"[{rec['category']}]").strip() if rec["category"] else first
    return head.split(":", 1)[0] if ":" in head and " " not in head.split(":", 1)[0] else ""


def _print_failures(console: Console, failed: list[dict[str, Any]]) -> None:
    """One entry per failing rule (category and check), not per test: 200 tests failing one rule are one
    finding. Its first failure's gist, where it failed and how many more; every test is in results.json."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for rec in failed:
        groups.setdefault((rec["category"] or "uncategorised", _check_of(rec) or rec["nodeid"]), []).append(rec)
    for (_, _), recs in list(groups.items())[:MAX_LISTED]:
        first = recs[0]
        grade = f" ({first['grade']})" if first.get("grade") else ""
        more = f" and {len(recs) - 1} more" if len(recs) > 1 else ""
        console.print(f"  FAILED {escape(_failure_gist(first))}{escape(grade)}", soft_wrap=True)
        console.print(f"         in {escape(first['nodeid'].split('::')[-1])}{more}", soft_wrap=True)
    if len(groups) > MAX_LISTED:
        console.print(f"  ... and {len(groups) - MAX_LISTED} more failing rule(s), all in results.json", soft_wrap=True)
    if failed:
        console.print(
            f"{len(failed)} failed test(s), {len(groups)} failing rule(s); each test's block is in results.json, "
            "Allure and JUnit (-v prints the tracebacks)",
            soft_wrap=True,
        )


def _failure_gist(rec: dict[str, Any]) -> str:
    """``[category] first line``, the category once (a ContractViolation's message already starts with it)."""
    label = f"[{rec['category'] or 'uncategorised'}]"
    first = _gist(rec["message"], 500).removeprefix(label).strip()
    return f"{label} {first[:150]}".rstrip()


def _gist(message: str, limit: int = 160) -> str:
    """The first line of a message, and the next one when the first only introduces a list."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    text = " ".join(lines[:2]) if lines and lines[0].endswith(":") and len(lines) > 1 else (lines or [""])[0]
    return text[:limit]


def _print_warnings(console: Console, records: list[dict[str, Any]]) -> None:
    """Each distinct broken assumption or recommendation once (grade, check, headline), with its first
    occurrence's detail and where it was seen: generated data varies the details, not the rule."""
    seen: dict[tuple[str, str, str], tuple[str, list[str]]] = {}
    for rec in records:
        for warning in rec.get("warnings", []):
            key = (warning["grade"], warning["check"], warning["message"])
            detail = warning.get("detail") or warning["message"]
            seen.setdefault(key, (detail, []))[1].append(rec["nodeid"].split("::")[-1])
    for (grade, check, _), (detail, tests) in list(seen.items())[:MAX_LISTED]:
        where = tests[0] + (f" and {len(tests) - 1} more" if len(tests) > 1 else "")
        console.print(
            f"  WARNING {escape(f'[{grade}]')} {escape(check)}: {escape(_gist(detail))} ({escape(where)})",
            soft_wrap=True,
        )
    if len(seen) > MAX_LISTED:
        console.print(f"  ... and {len(seen) - MAX_LISTED} more distinct warning(s), all in results.json")
    total = sum(len(tests) for _, tests in seen.values())
    if seen:
        console.print(
            f"{total} warning(s), {len(seen)} distinct: assumptions and recommendations the target does not honour;"
            " they do not fail the run (--strict makes them fail)"
        )
