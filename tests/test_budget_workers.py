"""Under ``pytest -n 2`` the workers share one budget (the target never sees more than its rate or total),
a budget too small for the run is planned for and its own outcome (exit 4, not a nonconformance), and every
worker's records reach results.json. Real runs against the sandbox over loopback, counted by the sandbox's own
request log."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.test_safety import mirror, run

RATE, TOTAL = 60, 120


def test_two_workers_share_one_budget_and_every_record_reaches_the_report(tmp_path: Path) -> None:
    with mirror(tmp_path, rps=RATE, max_requests=TOTAL) as target:
        done = run(target, tmp_path / "reports", "--only", "contract", "--", "-n", "2")
    arrived = sorted(seen.at for seen in target.log)
    assert 0 < len(arrived) <= TOTAL, len(arrived)
    busiest = max(sum(1 for t in arrived if start <= t < start + 1.0) for start in arrived)
    assert busiest <= RATE + 2, f"{busiest} requests within one second (budget {RATE}/s)"
    assert done.returncode == 4, done.stdout[-2000:] + done.stderr[-2000:]
    assert "budget spent" in done.stdout
    data = json.loads((tmp_path / "reports" / "results.json").read_text())
    cases = list(ET.parse(tmp_path / "reports" / "junit.xml").getroot().iter("testcase"))
    assert len(data["tests"]) == len(cases) > 0  # both workers' records, not the controller's empty list
    # One count for both workers: what the target saw, what the budget counted, and the tests' own counts agree.
    assert data["requests_sent"] == len(arrived) == sum(t["requests"] for t in data["tests"]) <= TOTAL
    assert done.stdout.count(f"plan: the budget of {TOTAL} requests does not") == 1  # planned before sending
    spent = [t for t in data["tests"] if t["category"] == "budget-spent"]
    assert spent and all(t["outcome"] == "skipped" for t in spent)  # not run, never failed
    assert not [t for t in data["tests"] if t["outcome"] in {"failed", "error"}]
