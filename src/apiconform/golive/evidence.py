"""Evidence that needs no request: the last run's results.json, drift.json, accepted deviations, the repository.

Each function turns one source into findings. A missing or foreign file is "cannot tell" with the command that
produces it, never a failure: golive judges what it can see and says what it could not.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from apiconform.config.model import ENV_VAR_NAME, Deviation, TargetConfig
from apiconform.golive.rules import Finding, failed, passed, unknown

RESULTS_FILE = "results.json"
DRIFT_FILE = "drift.json"
MAX_SCANNED_BYTES = 20 * 1024 * 1024  # larger tracked files (media, archives) are not configuration
CLOCK_SKEW = timedelta(minutes=5)
LISTED = 3


def _read_json(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The file's JSON object, or None with why it could not be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, "missing"
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return None, f"unreadable ({type(exc).__name__})"
    if not isinstance(data, dict):
        return None, "not a JSON object"
    return data, None


# -- item: the last full run ----------------------------------------------------------------------------------
def last_run(
    reports: Path, target: str, max_age_hours: float, now: datetime, versions: dict[str, str]
) -> list[Finding]:
    """Green, recent, a full run, against this target and the contract version that holds now."""
    path = reports / RESULTS_FILE
    rerun = f"run `apiconform run --target {target} --reports {reports}` (every concern, no -k/-m)"
    data, problem = _read_json(path)
    if data is None:
        return [unknown(f"no {RESULTS_FILE} in {reports} ({problem}): {rerun}")]
    if data.get("target") != target:
        return [
            unknown(f"the last run in {reports} was against target {data.get('target')!r}, not {target!r}: {rerun}")
        ]
    if "full_run" not in data or "finished_at" not in data:
        return [unknown(f"{path} predates full_run / finished_at (an older apiconform wrote it): {rerun}")]
    if not data["full_run"]:
        ran = ", ".join(data.get("concerns") or []) or "none"
        return [unknown(f"the last run was not a full run (concerns: {ran}, or a -k/-m selection): {rerun}")]
    return [_green(data, rerun), _recent(data, max_age_hours, now, rerun), *_same_contract(data, versions, rerun)]


def _green(data: dict[str, Any], rerun: str) -> Finding:
    tests = [t for t in data.get("tests", []) if isinstance(t, dict)]
    bad = [t for t in tests if t.get("outcome") in ("failed", "error")]
    stopped = [t for t in tests if t.get("category") == "configuration-problem"]
    if bad or stopped:
        named = ", ".join(
            f"{t.get('nodeid', '?').split('::')[-1]} [{t.get('category') or t.get('outcome')}]" for t in bad
        )
        more = f"; {len(stopped)} not run for a configuration problem" if stopped else ""
        return failed(f"{len(bad)} test(s) failed or errored{more}: {named[:300] or 'see results.json'}")
    outcomes = data.get("counts", {}).get("outcomes", {})
    summary = ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items())) or f"{len(tests)} tests"
    return passed(f"green: {summary}, concerns {', '.join(data.get('concerns', []))}")


def _recent(data: dict[str, Any], max_age_hours: float, now: datetime, rerun: str) -> Finding:
    try:
        finished = datetime.fromisoformat(str(data["finished_at"]))
    except ValueError:
        return unknown(f"finished_at {data['finished_at']!r} is not an ISO 8601 time: {rerun}")
    if finished.tzinfo is None:
        return unknown(f"finished_at {data['finished_at']!r} has no time zone: {rerun}")
    age = now - finished
    hours = age.total_seconds() / 3600
    if age < -CLOCK_SKEW:
        return unknown(f"finished_at {data['finished_at']} is in the future: check the clocks, then {rerun}")
    if hours > max_age_hours:
        return failed(f"finished {data['finished_at']}, {hours:.0f} h ago, older than {max_age_hours:g} h: {rerun}")
    return passed(f"recent: finished {data['finished_at']}, {max(hours, 0):.1f} h ago (limit {max_age_hours:g} h)")


def _same_contract(data: dict[str, Any], versions: dict[str, str], rerun: str) -> list[Finding]:
    recorded = data.get("contract_versions") or {}
    changed = [api for api in sorted(versions) if recorded.get(api) != versions[api]]
    if not changed:
        return [passed(f"same contract version as now for {len(versions)} API(s)")]
    return [
        failed(
            f"{api}: the contract changed since the run (run {recorded.get(api) or 'none'}, "
            f"now {versions[api]}): {rerun}"
        )
        for api in changed
    ]


# -- item: drift --------------------------------------------------------------------------------------------
def drift(reports: Path, target: str) -> list[Finding]:
    """No breaking change in the drift report the run (or ``apiconform drift``) wrote for this target."""
    path = reports / DRIFT_FILE
    data, problem = _read_json(path)
    if data is None and problem == "missing":
        return [unknown("no drift report yet, run `apiconform run` twice or `apiconform drift`")]
    if data is None:
        return [unknown(f"{path} is {problem}: run `apiconform drift` to write it again")]
    if data.get("target") != target:
        return [unknown(f"{path} is about target {data.get('target')!r}, not {target!r}: run `apiconform drift`")]
    counts: dict[str, Any] = data["counts"] if isinstance(data.get("counts"), dict) else {}
    breaking, additive = counts.get("breaking"), counts.get("additive", 0)
    if not isinstance(breaking, int):
        return [unknown(f"{path} has no counts.breaking: run `apiconform drift` to write it again")]
    when = f"report of {data.get('generated_at', '?')}, baseline {data.get('baseline', '?')}"
    if breaking > 0:
        found = data.get("unresolved") or data.get("changes", [])  # unresolved: every run's, until accepted
        changes = [c for c in found if isinstance(c, dict) and c.get("class") == "breaking"]
        listed = "; ".join(
            f"{c.get('environment')} {c.get('api')} {c.get('operation')} {c.get('status')} {c.get('path')}: "
            f"{c.get('kind')}"
            for c in changes[:LISTED]
        )
        more = f" and {len(changes) - LISTED} more" if len(changes) > LISTED else ""
        return [
            failed(
                f"{breaking} breaking change(s) ({when}): {listed}{more}; adapt the integration (or the contract), "
                "then `apiconform drift --accept`"
            )
        ]
    return [passed(f"no breaking drift, {additive} additive ({when})")]


# -- item: accepted deviations --------------------------------------------------------------------------------
def deviations(entries: Iterable[Deviation], today: date, planned: date | None) -> list[Finding]:
    """Each accepted deviation with its reason and expiry: expired fails; no expiry or expiring before the
    planned go-live day is flagged (it still holds today)."""
    found: list[Finding] = []
    for entry in entries:
        where = " / ".join(part for part in (entry.test, entry.check) if part)
        if entry.expires is not None and entry.expires < today:
            found.append(failed(f"{where}: expired on {entry.expires} ({entry.reason}): review it with the vendor"))
        elif entry.expires is None:
            found.append(passed(f"{where}: accepted, FLAG no expiry ({entry.reason}): set expires"))
        elif planned is not None and entry.expires < planned:
            found.append(
                passed(
                    f"{where}: accepted until {entry.expires}, FLAG before the planned go-live {planned} "
                    f"({entry.reason})"
                )
            )
        else:
            found.append(passed(f"{where}: accepted until {entry.expires} ({entry.reason})"))
    return found or [passed("no accepted deviations")]


# -- item: secrets --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Secret:
    """A resolved secret value and where it belongs (the label is printed, the value never)."""

    label: str
    value: str


def credential_fields_name_variables(name: str, config: TargetConfig | None) -> Finding:
    """The configuration layer refuses a pasted secret; checked again here so the checklist states it."""
    if config is None:
        return passed("the target's credentials are made at start and held in memory only (no configuration)")
    fields = [
        (f"environments.{env}.credentials.{role}.{field}", variable)
        for env, env_config in config.environments.items()
        for role, credential in env_config.credentials.items()
        for field, variable in credential.fields.items()
    ]
    wrong = [where for where, variable in fields if not ENV_VAR_NAME.match(variable)]
    if wrong:
        return failed(f"targets.{name}.{wrong[0]} does not name an environment variable: move the value out")
    return passed(f"all {len(fields)} credential field(s) of targets.{name} name environment variables")


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.decode("utf-8", errors="surrogateescape") if done.returncode == 0 else None


def repository(folder: Path, config_file: Path | None, dotenv: Path | None, secrets: list[Secret]) -> list[Finding]:
    """The dotenv file is not tracked, and no secret value is in the configuration file or a tracked file."""
    top_text = _git(folder, "rev-parse", "--show-toplevel")
    if top_text is None:
        return [unknown(f"{folder} is not in a git repository (or git is missing): cannot tell what is tracked")]
    top = Path(top_text.strip()).resolve()
    listing = _git(top, "ls-files", "-z")
    if listing is None:
        return [unknown(f"`git ls-files` failed in {top}: cannot tell what is tracked")]
    tracked = [top / name for name in listing.split("\0") if name]
    found = [_dotenv_finding(top, tracked, dotenv)] if dotenv is not None else []
    scanned = [*tracked, *([config_file.resolve()] if config_file and config_file.resolve() not in tracked else [])]
    leaks = _leaks(scanned, [s for s in secrets if len(s.value) >= 6])
    for label, path in leaks:
        where = path.relative_to(top) if path.is_relative_to(top) else path
        found.append(failed(f"the {label} occurs in {where}: remove it, rotate the secret, keep it in a secret store"))
    if not leaks:
        found.append(
            passed(f"no resolved secret value in the configuration file or the {len(tracked)} tracked file(s) of {top}")
        )
    return found


def _dotenv_finding(top: Path, tracked: list[Path], dotenv: Path) -> Finding:
    path = dotenv.resolve()
    if not path.is_relative_to(top):
        return passed(f"the dotenv file {path} is outside the repository")
    relative = path.relative_to(top)
    if path in tracked:
        return failed(f"the dotenv file {relative} is tracked by git: `git rm --cached {relative}`, ignore it, rotate")
    ignored = _git(top, "check-ignore", "-q", str(relative)) is not None
    return passed(f"the dotenv file {relative} is not tracked" + ("" if ignored else " (FLAG not in .gitignore)"))


def _leaks(files: list[Path], secrets: list[Secret]) -> list[tuple[str, Path]]:
    """(secret label, file) for every secret value found in a file, read in memory, never printed."""
    out: list[tuple[str, Path]] = []
    if not secrets:
        return out
    needles = [(s.label, s.value.encode("utf-8")) for s in secrets]
    for path in files:
        try:
            if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_SCANNED_BYTES:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        out += [(label, path) for label, needle in needles if needle in data]
    return out
