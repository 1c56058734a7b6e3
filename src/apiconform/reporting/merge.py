"""``apiconform merge``: the reports of several shards (or CI runners) as one: results.json, JUnit, Allure.

Shards split a run by concern (``apiconform run --shard K/N``), each with 1/N of the target's budget, so the
merged report is what one run would have written: every test once, the requests added up, one JUnit file
(junitparser), one Allure results folder (Allure merges result files by itself) and, from it, one HTML report.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from apiconform.errors import UsageError
from apiconform.reporting.redaction import redact_text
from apiconform.reporting.results import counts

RESULTS, JUNIT, ALLURE = "results.json", "junit.xml", "allure-results"


def _results(folder: Path) -> dict[str, Any]:
    path = folder / RESULTS
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise UsageError(f"{path}: no readable results.json; give report folders of `apiconform run`") from None
    return data


def merged_results(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One results.json: every test once, requests and budgets added up, the checks of nothing intersected."""
    targets = {part["target"] for part in parts}
    if len(targets) != 1:
        raise UsageError(f"the reports are of different targets ({', '.join(sorted(targets))}); merge one target")
    tests = [test for part in parts for test in part["tests"]]
    ids = [test["nodeid"] for test in tests]
    if len(ids) != len(set(ids)):
        raise UsageError("the reports share tests: merge the shards of one run, each given once")
    first = parts[0]
    gaps = [{g["api"] for g in part.get("not_checked", [])} for part in parts]
    apis_run = [{test.get("params", {}).get("api") for test in part["tests"]} for part in parts]
    pairs = list(zip(gaps, apis_run, strict=True))
    unchecked = {api for api in set().union(*gaps) if all(api in gap for gap, ran in pairs if api in ran)}
    return {
        **{key: first.get(key) for key in ("target", "profile", "strict", "environments", "contract_versions")},
        "requests_sent": sum(int(part.get("requests_sent", 0)) for part in parts),
        "writes_sent": sum(int(part.get("writes_sent", 0)) for part in parts),
        "counts": counts(tests),
        "tests": tests,
        "finished_at": max(str(part.get("finished_at", "")) for part in parts),
        "concerns": sorted({c for part in parts for c in part.get("concerns", [])}),
        "full_run": False,
        "not_checked": [g for part in parts for g in part.get("not_checked", []) if g["api"] in unchecked],
        "budget": {
            "max_requests": sum(int(part.get("budget", {}).get("max_requests", 0)) for part in parts),
            "shares": len(parts),
        },
        "merged_from": len(parts),
    }


def _junit(folders: list[Path], into: Path) -> None:
    from junitparser import JUnitXml

    merged = JUnitXml()
    for folder in folders:
        if (folder / JUNIT).is_file():
            merged += JUnitXml.fromfile(str(folder / JUNIT))
    merged.write(str(into / JUNIT), pretty=True)


def _allure(folders: list[Path], into: Path) -> None:
    """Every result, container and attachment file (uuid-named, so they never collide); the run files once."""
    target = into / ALLURE
    target.mkdir(parents=True, exist_ok=True)
    for folder in folders:
        for path in (folder / ALLURE).glob("*"):
            if path.is_file() and not (target / path.name).exists():
                shutil.copyfile(path, target / path.name)


def merge_reports(folders: list[Path], into: Path) -> dict[str, Any]:
    """Write the merged results.json, junit.xml and allure-results into ``into``; the merged results."""
    if len(folders) < 2:
        raise UsageError("give at least two report folders to merge (the shards' --reports folders)")
    if any(folder.resolve() == into.resolve() for folder in folders):
        raise UsageError(f"--into {into} is one of the folders to merge; choose a new folder")
    data = merged_results([_results(folder) for folder in folders])
    into.mkdir(parents=True, exist_ok=True)
    (into / RESULTS).write_text(redact_text(json.dumps(data, indent=2)), encoding="utf-8")
    _junit(folders, into)
    _allure(folders, into)
    return data
