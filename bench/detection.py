"""The detection matrix at a profile and budget, in a child process so that a deadline can stop it.

``build_matrix`` runs pytest processes with no timeout of its own; running it here, in a session of its own,
lets the bench kill the whole tree when it overruns. The child prints one JSON line: the parent parses it.

    python -m bench.detection --profile nightly [--max-requests 300]
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bench.common import MeasureError, run_bounded

BUDGET = "budget-spent"


def measure(profile: str, max_requests: int | None, timeout: float) -> dict[str, Any]:
    """Run the matrix in a child; its summary (rate, false alarms, undetected, wall, requests)."""
    command = [sys.executable, "-m", "bench.detection", "--profile", profile]
    if max_requests is not None:
        command += ["--max-requests", str(max_requests)]
    completed = run_bounded(command, timeout)
    lines = [line for line in completed.output.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        raise MeasureError(f"detection matrix ({profile}) failed (exit {completed.returncode}): {completed.tail()}")
    summary: dict[str, Any] = json.loads(lines[-1])
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--max-requests", type=int, default=None)
    args = parser.parse_args()
    from apiconform.selfcheck.matrix import build_matrix

    extra = ["--max-requests", str(args.max_requests)] if args.max_requests is not None else []
    # Unbudgeted: each defect with its concern (proof enough); budgeted: every suite within the budget, as in
    # tests/test_detection_matrix.py (the plan must find the defect among all the tests it could run).
    matrix = build_matrix(focused=not extra, profile=args.profile, extra=extra)
    clean_budget = [t for t in matrix.clean.failures if t.get("category") == BUDGET]
    summary = {
        "profile": args.profile,
        "max_requests": args.max_requests,
        "detection_rate": matrix.detection_rate,
        "defects": len(matrix.runs),
        "undetected": matrix.undetected,
        "false_alarms": matrix.false_alarms,
        "clean_budget_spent": len(clean_budget),
        "wall_seconds": matrix.wall_seconds,
        "clean_requests": matrix.clean.requests,
        "defect_requests": {name: run.requests for name, run in sorted(matrix.runs.items())},
        "defect_seconds": {name: round(run.seconds, 2) for name, run in sorted(matrix.runs.items())},
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
