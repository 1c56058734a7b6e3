"""``apiconform drift``: compare the last run's observed shapes with the previous run or a baseline."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from apiconform.errors import UsageError
from apiconform.observed import report, store


def _reports(args: argparse.Namespace) -> Path:
    if args.reports is not None:
        return Path(args.reports)
    from apiconform.runner import find_root

    return find_root() / "reports"


def _target(args: argparse.Namespace, observed: Path) -> str:
    found = (
        sorted(p.name for p in observed.iterdir() if p.is_dir() and not p.name.startswith("."))
        if observed.is_dir()
        else []
    )
    if args.target:
        if args.target not in found:
            raise UsageError(
                f"no observed shapes of target {args.target!r} in {observed} "
                f"(found: {', '.join(found) or 'none'}); run `apiconform run --target {args.target}` first"
            )
        return str(args.target)
    if len(found) != 1:
        raise UsageError(
            f"{observed}: "
            + (
                f"shapes of several targets ({', '.join(found)}); pass --target NAME"
                if found
                else "no observed shapes yet; run `apiconform run` first"
            )
        )
    return found[0]


def run_drift(args: argparse.Namespace) -> int:
    """Exit 0 without unresolved breaking drift (and without additive drift under the flag), else 1."""
    reports = _reports(args)
    observed = reports / "observed"
    target = _target(args, observed)
    if args.accept:
        print(f"apiconform: {report.accept(observed, target)} breaking change(s) of {target} accepted")
        return 0
    if args.save_baseline is not None:
        destination = Path(args.save_baseline) / target
        destination.mkdir(parents=True, exist_ok=True)
        for env in report.environments(observed, target):
            shutil.copyfile(store.env_file(observed, target, env), destination / f"{env}.json")
        print(f"apiconform: baseline of {target} written to {destination} (keep it in your repository)")
        return 0
    baseline = Path(args.baseline) if args.baseline else None
    if baseline is not None and not baseline.exists():
        raise UsageError(f"--baseline {baseline}: no such file or folder (save one with --save-baseline DIR)")
    result = report.compute(observed, target, baseline, fail_on_additive=args.fail_on_additive)
    if baseline is not None and not result.compared:
        raise UsageError(f"--baseline {baseline}: no observed shapes of {target} there (expected {target}/<env>.json)")
    report.write(result, reports / "drift.json", reports / "allure-results" if args.allure else None)
    for line in report.terminal_lines(result):
        print(line)
    print(f"  drift:        {reports / 'drift.md'}")
    return 1 if result.failed else 0


def add_drift_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    drift = sub.add_parser("drift", help="what changed in the target's answers since the previous run (or a baseline)")
    drift.add_argument("--reports", type=Path, metavar="DIR", help="report folder of the runs (default: reports/)")
    drift.add_argument("--target", help="the target whose shapes to compare (default: the only one observed)")
    drift.add_argument("--baseline", type=Path, metavar="PATH", help="a saved observed folder or file to compare with")
    drift.add_argument("--fail-on-additive", action="store_true", help="additive drift fails too (exit 1)")
    drift.add_argument("--accept", action="store_true", help="accept the unresolved breaking changes (handled)")
    drift.add_argument("--save-baseline", type=Path, metavar="DIR", help="copy the current shapes to DIR as a baseline")
    drift.add_argument("--no-allure", dest="allure", action="store_false", help="do not add drift tests to Allure")
    drift.set_defaults(handler=run_drift)
