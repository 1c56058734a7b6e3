"""The ``apiconform`` command: one entry point, one subcommand per job.

Every error the user can fix is an ``ApiconformError`` and is printed as one line (what, where, how to fix)
with exit status 2 (3 for an unreachable target); no traceback reaches the terminal.

Subcommands import what they need lazily, so ``apiconform sandbox serve`` is listening (and has printed its
URLs) well within two seconds, and ``catalog`` does not load the HTTP stack.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from apiconform.errors import ApiconformError

if TYPE_CHECKING:
    from apiconform.config.model import EnvironmentConfig as ConfigEnvironment

CONCERN_HELP = "comma-separated concerns (suite modules suites/test_<concern>.py), e.g. contract,auth"


def _cmd_catalog(args: argparse.Namespace) -> int:
    from apiconform.config import load_config
    from apiconform.contracts.catalog import run_catalog

    load_config(args.config)  # the users' contract folders it names join the shipped ones
    return run_catalog(markdown=args.markdown)


def _cmd_contract_show(args: argparse.Namespace) -> int:
    """The effective contract of an API for a target: the shipped or user document with the target's overlay."""
    import json

    from apiconform.config import EMBEDDED, load_config, resolve_target
    from apiconform.contracts import load_api

    config = load_config(args.config)
    if args.target and args.target != EMBEDDED:
        resolve_target(args.target, config)
    print(json.dumps(load_api(args.api).bundled, indent=2, ensure_ascii=False))
    return 0


def _cmd_deviations_record(args: argparse.Namespace) -> int:
    from apiconform.config.deviations import record_deviations

    print(record_deviations(args.results, args.reason, args.expires), end="")
    return 0


def _cmd_contract_import(args: argparse.Namespace) -> int:
    from apiconform.contracts.importer import run_import

    return run_import(args)


def _cmd_run(args: argparse.Namespace) -> int:
    from apiconform.runner import RunOptions, find_root, parse_shard, plan, run

    only = tuple(name.strip() for group in args.only for name in group.split(",") if name.strip())
    return (plan if args.plan else run)(
        RunOptions(
            target=args.target,
            config=args.config,
            profile=args.profile,
            only=only,
            allow_writes=args.allow_writes,
            strict=args.strict,
            defects=tuple(args.sandbox_defect),
            reports=args.reports if args.reports is not None else find_root() / "reports",
            html=not args.no_html,
            fail_on_additive_drift=args.fail_on_additive_drift,
            history_limit=max(1, args.history_limit),
            rule=args.rule,
            max_requests=args.max_requests,
            shard=parse_shard(args.shard) if args.shard else None,
            drift_baseline=args.drift_baseline,
            extra=tuple(args.extra),
        )
    )


def _credential_lines(env_config: ConfigEnvironment, missing: tuple[str, ...]) -> list[str]:
    """One line per credential field: present or MISSING, naming the variable (never its value)."""
    lines = []
    for role, credential in sorted(env_config.credentials.items()):
        serves = f" for {', '.join(credential.apis)}" if credential.apis else ""
        lines.append(f"{role}: {credential.purpose}{serves}")
        for field_name, variable in sorted(credential.fields.items()):
            absent = f"{role}.{field_name} (${variable})" in missing
            lines.append(f"  {field_name}: {'MISSING' if absent else 'present'} (${variable})")
    return lines or ["none configured"]


def _cmd_check_targets(args: argparse.Namespace) -> int:
    """Exit 0 when every base URL answered, 3 when one did not (what a run would report as unavailable)."""
    from apiconform.config import load_config, resolve_target
    from apiconform.targets.probe import probe_target

    config = load_config(args.config)
    names = [args.target] if args.target else list(config.targets)
    if not names:
        print("apiconform: no configured targets to check (the embedded sandbox starts with each run)")
        return 0
    unreachable = 0
    for name in names:
        for probe in probe_target(resolve_target(name, config)):
            unreachable += not probe.reachable
            mark = "ok  " if probe.reachable else "DOWN"
            print(f"{mark} {name} {probe.environment} {probe.api} {probe.url}: {probe.answer}")
    print(f"apiconform: {unreachable} base URL(s) unreachable" if unreachable else "apiconform: every base URL answers")
    return 3 if unreachable else 0


def _cmd_merge(args: argparse.Namespace) -> int:
    """Merge shard reports; the exit status of the merged run, as `run` would give it."""
    from apiconform.reporting.merge import JUNIT, RESULTS, merge_reports
    from apiconform.runner import _html, decide, find_root

    data = merge_reports(list(args.reports), args.into)
    failing = any(test["outcome"] in {"failed", "error"} for test in data["tests"])
    outcome = decide(1 if failing else 0, args.into / RESULTS, args.into / JUNIT)
    print(f"apiconform: merged {data['merged_from']} report(s) of {data['target']}: {outcome.summary}")
    if args.html:
        _html(find_root(), args.into)
    print(f"  results:      {args.into / RESULTS}\n  junit.xml:    {args.into / JUNIT}")
    return outcome.exit_code


def _cmd_targets(args: argparse.Namespace) -> int:
    if args.check:
        return _cmd_check_targets(args)
    from rich.console import Console
    from rich.table import Table

    from apiconform.config import EMBEDDED, load_config, resolve_target
    from apiconform.contracts import api_documents
    from apiconform.targets.embedded import EMBEDDED_BUDGET

    config = load_config(args.config)
    table = Table(title="apiconform targets", show_lines=True)
    for column in ("target", "environment", "production", "budget"):
        table.add_column(column, overflow="fold")
    table.add_column("APIs and base URLs", overflow="fold", min_width=56)
    table.add_column("credentials (environment variable)", no_wrap=True)
    apis = [doc.name for doc in api_documents() if doc.shipped and not doc.portal]
    budget = f"{EMBEDDED_BUDGET.requests_per_second:g} req/s, max {EMBEDDED_BUDGET.max_requests}"
    for env in ("sandbox", "production"):
        urls = f"http://127.0.0.1:<port>/{env}/<api>, port chosen at start\nAPIs: {', '.join(apis)}"
        label = EMBEDDED + (" (default)" if config.defaults.target == EMBEDDED else "")
        table.add_row(label, env, "no", budget, urls, "throwaway, made at start (`sandbox serve` prints them)")
    for name, target in config.targets.items():
        try:
            resolved = resolve_target(name, config).environments
        except ApiconformError as exc:
            table.add_row(name, "-", "-", "-", "-", f"error: {exc}")  # e.g. its dotenv file is missing
            continue
        budget = f"{target.budget.requests_per_second:g} req/s, max {target.budget.max_requests}"
        label = name + (" (default)" if config.defaults.target == name else "")
        for env_name, env_config in target.environments.items():
            urls = "\n".join(f"{api}: {url}" for api, url in sorted(env_config.base_urls.items()))
            table.add_row(
                label,
                env_name,
                "YES" if env_config.production else "no",
                budget,
                urls or "none",
                "\n".join(_credential_lines(env_config, resolved[env_name].missing)),
            )
    console = Console()
    Console(width=max(console.width, 200) if not console.is_terminal else None).print(table)
    return 0


def _cmd_sandbox_serve(args: argparse.Namespace) -> int:
    from apiconform.sandbox.cli_serve import serve

    return serve(args.defect, args.host, args.port)


def _cmd_sandbox_defects(args: argparse.Namespace) -> int:
    from apiconform.sandbox.cli_serve import print_defects

    return print_defects()


def _cmd_selfcheck(args: argparse.Namespace) -> int:
    from apiconform.sandbox.defects import validate_defects
    from apiconform.selfcheck.report import run_selfcheck

    chosen = sorted(validate_defects(args.defect)) if args.defect else None
    return run_selfcheck(args.reports, chosen, mutations=not args.no_mutations)


def _positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1 (argparse prints the one-line error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value


def _add_run(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser(
        "run",
        help="run the conformance suites against a target and build the reports",
        epilog="Arguments after `--` go to pytest unchanged.",
    )
    run.add_argument("--target", help="target name from apiconform.toml (default: the file's default)")
    run.add_argument("--config", type=Path, metavar="FILE", help="apiconform.toml to use")
    run.add_argument("--profile", choices=["quick", "nightly"], help="depth of generated tests")
    run.add_argument("--only", action="append", default=[], metavar="CONCERN,...", help=CONCERN_HELP)
    run.add_argument("--allow-writes", action="store_true", help="allow writes to production environments")
    run.add_argument(
        "--strict",
        action="store_true",
        help="broken assumptions and recommendations fail the run (default: they are warnings)",
    )
    run.add_argument(
        "--sandbox-defect",
        action="append",
        default=[],
        metavar="NAME",
        help="embedded target only: switch this defect on (repeatable)",
    )
    run.add_argument("--rule", metavar="ID", help="only the tests of one rule: a check rule, or API:operationId")
    run.add_argument(
        "--max-requests", type=_positive_int, metavar="N", help="send at most N requests (the plan fits the tests to N)"
    )
    run.add_argument(
        "--plan", action="store_true", help="send nothing: say how many requests the run needs, and what fits"
    )
    run.add_argument("--shard", metavar="K/N", help="run shard K of N (concerns round robin, 1/N of the budget)")
    run.add_argument("--fail-on-additive-drift", action="store_true", help="additive drift fails the run too")
    run.add_argument("--drift-baseline", type=Path, metavar="PATH", help="compare answers with this saved baseline")
    run.add_argument("--reports", type=Path, metavar="DIR", help="report folder (default: reports/)")
    run.add_argument("--no-html", action="store_true", help="skip the Allure HTML report")
    run.add_argument(
        "--history-limit", type=int, default=20, metavar="N", help="reports kept in history.jsonl (default 20)"
    )
    run.set_defaults(handler=_cmd_run, extra=[])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="apiconform", description="Contract tests for partner and vendor APIs.")
    from apiconform import __version__

    parser.add_argument("--version", action="version", version=f"apiconform {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    catalog = sub.add_parser("catalog", help="list every operation and rule with the documentation it comes from")
    catalog.add_argument("--markdown", type=Path, metavar="FILE", help="also write the catalog as Markdown")
    catalog.add_argument("--config", type=Path, metavar="FILE", help="apiconform.toml naming your contract folders")
    catalog.set_defaults(handler=_cmd_catalog)

    contract = sub.add_parser("contract", help="bring a vendor's OpenAPI document in as a contract")
    contract_sub = contract.add_subparsers(dest="contract_command", required=True, metavar="COMMAND")
    from apiconform.contracts.importer import add_import_parser

    add_import_parser(contract_sub).set_defaults(handler=_cmd_contract_import)
    show = contract_sub.add_parser("show", help="print an API's effective contract (with the target's overlay)")
    show.add_argument("api", metavar="API", help="the API name (its OpenAPI file stem)")
    show.add_argument("--target", help="a target whose overlay applies (default: none)")
    show.add_argument("--config", type=Path, metavar="FILE", help="apiconform.toml to read")
    show.set_defaults(handler=_cmd_contract_show)
    from apiconform.contracts.diff_cli import add_diff_parser

    add_diff_parser(sub)

    _add_run(sub)
    from apiconform.golive.cli import add_golive_parser

    add_golive_parser(sub)
    from apiconform.observed.cli import add_drift_parser

    add_drift_parser(sub)

    selfcheck = sub.add_parser(
        "selfcheck", help="run the suites against the sandbox once per defect: prove every check catches its defect"
    )
    selfcheck.add_argument("--reports", type=Path, default=Path("reports"), metavar="DIR", help="output folder")
    selfcheck.add_argument("--defect", action="append", default=[], metavar="NAME", help="only these defects")
    selfcheck.add_argument("--no-mutations", action="store_true", help="skip the mutation-style schema check")
    selfcheck.set_defaults(handler=_cmd_selfcheck)

    deviations = sub.add_parser("deviations", help="accepted deviations of a vendor")
    deviations_sub = deviations.add_subparsers(dest="deviations_command", required=True, metavar="COMMAND")
    record = deviations_sub.add_parser(
        "record", help="print a deviations file accepting a run's failures as they are (review it before use)"
    )
    record.add_argument("results", type=Path, metavar="RESULTS", help="reports/results.json of the run")
    record.add_argument("--reason", required=True, help="why they are accepted (e.g. the vendor ticket)")
    record.add_argument("--expires", type=date.fromisoformat, metavar="YYYY-MM-DD", help="when acceptance ends")
    record.set_defaults(handler=_cmd_deviations_record)

    merge = sub.add_parser("merge", help="merge the reports of several shards into one (results, JUnit, Allure)")
    merge.add_argument("reports", nargs="+", type=Path, metavar="REPORTS", help="the shards' report folders")
    merge.add_argument("--into", type=Path, required=True, metavar="DIR", help="the merged report folder")
    merge.add_argument("--html", action="store_true", help="also build the Allure HTML report (needs Node.js)")
    merge.set_defaults(handler=_cmd_merge)

    targets = sub.add_parser("targets", help="list configured targets and whether their credentials are set")
    targets.add_argument("--config", type=Path, metavar="FILE", help="apiconform.toml to read")
    targets.add_argument("--check", action="store_true", help="probe each base URL once: reachable or why not")
    targets.add_argument("--target", help="with --check: only this target")
    targets.set_defaults(handler=_cmd_targets)

    sandbox = sub.add_parser("sandbox", help="the embedded vendor sandbox")
    sandbox_sub = sandbox.add_subparsers(dest="sandbox_command", required=True, metavar="COMMAND")
    serve = sandbox_sub.add_parser("serve", help="run the sandbox in the foreground and print its URLs")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=0, help="port to bind (default: a free one)")
    serve.add_argument("--defect", action="append", default=[], metavar="NAME", help="switch a defect on")
    serve.set_defaults(handler=_cmd_sandbox_serve)
    defects = sandbox_sub.add_parser("defects", help="list the switchable defects")
    defects.set_defaults(handler=_cmd_sandbox_defects)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in arguments:
        cut = arguments.index("--")
        arguments, extra = arguments[:cut], arguments[cut + 1 :]
    parser = build_parser()
    args = parser.parse_args(arguments)
    if extra and args.command != "run":
        parser.error("arguments after `--` are only accepted by `run`")
    args.extra = extra
    try:
        return int(args.handler(args))
    except ApiconformError as exc:
        print(f"apiconform: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("apiconform: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
