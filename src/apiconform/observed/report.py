"""The drift verdict of a run or of ``apiconform drift``: drift.json, drift.md, Allure, terminal lines.

Breaking changes stay *unresolved* until someone accepts them (``apiconform drift --accept``): the
default baseline is the previous run, so without this ledger a breaking change would be reported by
one run and forgotten by the next. Additive changes are reported by the run that saw them; they fail
only with ``--fail-on-additive-drift``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apiconform.observed import store
from apiconform.observed.drift import ADDITIVE, BREAKING, Change, compare
from apiconform.reporting.allure_files import AllureEntry, Step, write_entries
from apiconform.reporting.redaction import redact_text

LEDGER = "unresolved.json"
MAX_LISTED = 20
JSON = dict[str, Any]


@dataclass
class DriftResult:
    target: str
    baseline: str
    changes: list[Change] = field(default_factory=list)
    unresolved: list[JSON] = field(default_factory=list)  # breaking changes not yet accepted, oldest first
    compared: dict[str, int] = field(default_factory=dict)  # environment -> operations compared
    observed: dict[str, list[JSON]] = field(default_factory=dict)  # environment -> entries of this observation
    fail_on_additive: bool = False

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.cls == BREAKING]

    @property
    def additive(self) -> list[Change]:
        return [c for c in self.changes if c.cls == ADDITIVE]

    @property
    def failed(self) -> bool:
        return bool(self.unresolved) or (self.fail_on_additive and bool(self.additive))

    def as_json(self) -> JSON:
        return {
            "target": self.target,
            "generated_at": store.now(),
            "baseline": self.baseline,
            "fail_on_additive": self.fail_on_additive,
            "compared": self.compared,
            "counts": {
                "breaking": len(self.unresolved),
                "additive": len(self.additive),
                "new_breaking": len(self.breaking),
            },
            "changes": [c.as_json() for c in self.changes],
            "unresolved": self.unresolved,
        }


def _ledger(directory: Path, target: str) -> Path:
    return directory / target / LEDGER


def _read_ledger(directory: Path, target: str) -> list[JSON]:
    path = _ledger(directory, target)
    return list(json.loads(path.read_text("utf-8"))) if path.is_file() else []


def _remember(directory: Path, target: str, breaking: list[Change]) -> list[JSON]:
    """Add this comparison's breaking changes to the unresolved ones (each once); all unresolved."""
    known = _read_ledger(directory, target)
    keys = {tuple(entry["key"]) for entry in known}
    for change in breaking:
        if change.key not in keys:
            known.append(change.as_json() | {"key": list(change.key), "first_seen": store.now()})
            keys.add(change.key)
    if known:
        _ledger(directory, target).parent.mkdir(parents=True, exist_ok=True)
        _ledger(directory, target).write_text(redact_text(json.dumps(known, indent=1)) + "\n", "utf-8")
    return known


def accept(directory: Path, target: str) -> int:
    """Accept every unresolved breaking change of a target (the team has adapted); how many."""
    known = _read_ledger(directory, target)
    _ledger(directory, target).unlink(missing_ok=True)
    return len(known)


def environments(directory: Path, target: str) -> list[str]:
    return sorted(p.stem for p in (directory / target).glob("*.json") if p.stem.count(".") == 0 and p.name != LEDGER)


def _baseline_file(baseline: Path | None, directory: Path, target: str, env: str) -> Path:
    if baseline is None:
        return store.env_file(directory, target, env, previous=True)
    if baseline.is_file():
        return baseline
    for candidate in (baseline / target / f"{env}.json", baseline / f"{env}.json"):
        if candidate.is_file():
            return candidate
    return baseline / target / f"{env}.json"


def compute(
    directory: Path,
    target: str,
    baseline: Path | None = None,
    fail_on_additive: bool = False,
    only: list[str] | None = None,
) -> DriftResult:
    """Compare the current observation of each environment with its baseline (default: the previous run)."""
    result = DriftResult(target, str(baseline) if baseline else "previous run", fail_on_additive=fail_on_additive)
    for env in only if only is not None else environments(directory, target):
        current = store.load(store.env_file(directory, target, env))
        if current is None:
            continue
        latest = current.get("updated_at")
        result.observed[env] = [e for e in current["operations"].values() if e.get("observed_at") == latest]
        old = store.load(_baseline_file(baseline, directory, target, env))
        if old is None:
            continue
        if baseline is not None and old.get("environment") not in (None, env):
            continue  # a single baseline file speaks of one environment only
        changes, compared = compare(old, current)
        result.changes += changes
        result.compared[env] = compared
    result.unresolved = _remember(directory, target, result.breaking)
    return result


# -- outputs ----------------------------------------------------------------------------------------------
def _where(change: Change | JSON) -> str:
    c = change.as_json() if isinstance(change, Change) else change
    return f"{c['environment']} {c['api']} {c['operation']} HTTP {c['status']} {c['path']}"


def _line(change: Change | JSON) -> str:
    c = change.as_json() if isinstance(change, Change) else change
    return f"[{c['class']}] {c['kind']} {_where(c)}: {c['detail']} ({c['contract']})"


def terminal_lines(result: DriftResult) -> list[str]:
    lines = [f"DRIFT {_line(c)}" for c in result.unresolved[:MAX_LISTED]]
    lines += [f"DRIFT {_line(c)}" for c in result.additive[: max(0, MAX_LISTED - len(lines))]]
    compared = sum(result.compared.values())
    if not result.compared:
        lines.append(f"drift: no baseline yet ({result.baseline}); the next run compares with this one")
    else:
        lines.append(
            f"drift against the {result.baseline}: {len(result.breaking)} new breaking, "
            f"{len(result.additive)} additive "
            f"change(s) in {compared} operation(s); {len(result.unresolved)} breaking change(s) unresolved"
            + (" (accept them with `apiconform drift --accept` once handled)" if result.unresolved else "")
        )
    return lines


def markdown(result: DriftResult) -> str:
    out = [
        f"# Drift: target {result.target}",
        "",
        f"Baseline: {result.baseline}. Operations compared: "
        + (", ".join(f"{env} {n}" for env, n in sorted(result.compared.items())) or "none (no baseline yet)")
        + ".",
        "",
        f"- breaking, unresolved: {len(result.unresolved)} (new in this comparison: {len(result.breaking)})",
        f"- additive: {len(result.additive)}"
        + (" (these fail the run: --fail-on-additive-drift)" if result.fail_on_additive else ""),
        "",
    ]
    rows = [c for c in result.unresolved] + [c.as_json() for c in result.additive]
    if rows:
        out += [
            "| class | change | environment | operation | status | where | detail | contract |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for c in rows:
            cells = [
                c["class"],
                c["kind"],
                c["environment"],
                f"{c['api']} {c['operation']}",
                c["status"],
                c["path"],
                c["detail"],
                c["contract"],
            ]
            out.append("| " + " | ".join(str(x).replace("|", "\\|") for x in cells) + " |")
    else:
        out.append("No drift.")
    return "\n".join(out) + "\n"


def allure_entries(result: DriftResult) -> list[AllureEntry]:
    """One Allure test per operation of this observation: failed with unresolved breaking drift."""
    unresolved = {(c["environment"], c["api"], c["operation"]) for c in result.unresolved}
    entries = []
    for env, observed in sorted(result.observed.items()):
        for entry in observed:
            key = (env, entry["api"], entry["operation"])
            mine = [c for c in result.changes if (c.environment, c.api, c.operation) == key]
            old = [c for c in result.unresolved if (c["environment"], c["api"], c["operation"]) == key]
            additive = [c for c in mine if c.cls == ADDITIVE]
            if env not in result.compared:
                status, message = "skipped", "no baseline yet: the next run compares with this one"
            elif key in unresolved:
                status, message = "failed", f"[drift] {len(old)} unresolved breaking change(s): {_line(old[0])}"
            elif additive and result.fail_on_additive:
                status, message = "failed", f"[drift] {len(additive)} additive change(s): {_line(additive[0])}"
            else:
                status, message = "passed", (f"{len(additive)} additive change(s)" if additive else "")
            steps = [Step(_line(c), "failed") for c in old] + [Step(_line(c), "passed") for c in additive]
            entries.append(
                AllureEntry(
                    name=f"drift: {entry['method']} {entry['path']} ({env})",
                    full_name=f"apiconform.drift.{result.target}.{env}.{entry['api']}.{entry['operation']}",
                    status=status,
                    epic="Drift",
                    feature="Drift",
                    story=entry["api"],
                    message=message,
                    description=f"Observed answers of {entry['api']} {entry['operation']} in {env} compared with the "
                    f"{result.baseline}: statuses {', '.join(sorted(entry['statuses']))}.",
                    labels={"target": result.target},
                    tags=("drift", *(["additive"] if additive else [])),
                    parameters={"environment": env, "operation": entry["operation"]},
                    steps=tuple(steps),
                )
            )
    return entries


def write(result: DriftResult, json_path: Path, allure_dir: Path | None) -> None:
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(redact_text(json.dumps(result.as_json(), indent=2)) + "\n", "utf-8")
    json_path.with_suffix(".md").write_text(redact_text(markdown(result)), "utf-8")
    if allure_dir is not None:
        write_entries(allure_dir, allure_entries(result))
