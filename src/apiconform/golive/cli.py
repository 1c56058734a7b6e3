"""``apiconform golive``: arguments, the target, the run and its three outputs.

Configuration problems (unknown target, bad file, a main credential whose variable is not set) are raised as
``ConfigError`` / ``UsageError`` (one line, exit 2) before any item runs: they are what they are, not a failed
item. An unreachable target raises ``TargetUnavailable`` (exit 3).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from apiconform.errors import ApiconformError, ConfigError, UsageError

if TYPE_CHECKING:  # the HTTP stack loads only when golive runs: `apiconform --help` stays fast
    from apiconform.config import Target
    from apiconform.config.model import ConfigFile
    from apiconform.golive.checklist import Inputs
    from apiconform.targets.session import TargetSession

MARKDOWN_NAME = "golive.md"


def add_golive_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "golive",
        help="go-live readiness checklist for a target: each item pass / fail / cannot tell, with its source",
        description="Exit status: 0 every item passes, 1 an item fails or cannot be told, 2 configuration error, "
        "3 target unavailable. Never sends a write to production.",
    )
    parser.add_argument("--target", help="target name from apiconform.toml (default: the file's default)")
    parser.add_argument("--config", type=Path, metavar="FILE", help="apiconform.toml to read")
    parser.add_argument("--reports", type=Path, metavar="DIR", help="report folder of the runs (default: reports/)")
    parser.add_argument(
        "--max-age-hours", type=float, metavar="H", help="oldest acceptable full run (default: the target's, else 24)"
    )
    parser.add_argument("--markdown", type=Path, metavar="PATH", help="Markdown output (default: <reports>/golive.md)")
    parser.set_defaults(handler=_cmd_golive)
    return parser


@dataclass(frozen=True)
class Outputs:
    reports: Path
    markdown: Path


def _default_reports() -> Path:
    from apiconform.runner import find_root

    try:
        return find_root() / "reports"
    except UsageError:
        return Path.cwd() / "reports"


def _cmd_golive(args: argparse.Namespace) -> int:
    from apiconform.config import EMBEDDED, load_config, resolve_target
    from apiconform.golive.checklist import Inputs

    if args.max_age_hours is not None and not args.max_age_hours > 0:
        raise UsageError(f"--max-age-hours must be a positive number of hours, got {args.max_age_hours:g}")
    reports = (args.reports or _default_reports()).resolve()
    config = load_config(args.config)
    name = args.target or config.defaults.target
    config_file = (args.config or Path.cwd() / "apiconform.toml").resolve()
    config_dir = config.source_dir or Path.cwd()
    outputs = Outputs(reports, args.markdown or reports / MARKDOWN_NAME)
    if name == EMBEDDED:
        from apiconform.contracts import set_overlays
        from apiconform.targets.embedded import start_embedded

        set_overlays({})  # as the run does: the embedded sandbox honours the shipped contracts
        server, target = start_embedded()
        try:
            inputs = Inputs(target, reports, args.max_age_hours or target.golive.max_age_hours, None, None, config_dir)
            return run_golive(inputs, outputs)
        finally:
            server.stop()
    target = resolve_target(name, config)
    require_main_variables(target, config)
    inputs = Inputs(
        target,
        reports,
        args.max_age_hours or target.golive.max_age_hours,
        config.targets[name],
        config_file if config_file.is_file() else None,
        config_dir,
    )
    return run_golive(inputs, outputs)


def require_main_variables(target: Target, config: ConfigFile) -> None:
    """A main credential whose variable is not set is a configuration problem, reported as one (exit 2)."""
    for env_name, env_config in config.targets[target.name].environments.items():
        for role, credential in env_config.credentials.items():
            gone = [m for m in target.environments[env_name].missing if m.startswith(f"{role}.")]
            if credential.purpose == "main" and gone:
                raise ConfigError(
                    f"targets.{target.name}.environments.{env_name}.credentials.{role}: {gone[0]} is not set "
                    "(environment or the target's dotenv file); set it, golive compares the resolved values"
                )


def run_golive(inputs: Inputs, outputs: Outputs, session: TargetSession | None = None) -> int:
    """Evaluate, print, write Markdown and Allure; the exit status (0 only when every item passes)."""
    from apiconform.golive.checklist import evaluate
    from apiconform.golive.render import exit_code, print_checklist, write_allure, write_markdown

    results = evaluate(inputs, session)
    name = inputs.target.name
    print_checklist(results, name)
    try:
        write_markdown(outputs.markdown, results, name, inputs.now)
        written = write_allure(outputs.reports / "allure-results", results, name)
    except OSError as exc:
        raise ApiconformError(f"cannot write the golive reports: {exc}") from None
    print(f"  markdown: {outputs.markdown}")
    print(f"  allure:   {outputs.reports / 'allure-results'} ({written} results, epic 'Go-live readiness')")
    return exit_code(results)
