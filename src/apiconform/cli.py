"""The ``apiconform`` command: one entry point, one subcommand per job.

Every error the user can fix is an ``ApiconformError`` and is printed as one line (what, where, how to fix)
with exit status 2 (3 for an unreachable target); no traceback reaches the terminal.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from apiconform.errors import ApiconformError


def _cmd_catalog(args: argparse.Namespace) -> int:
    from apiconform.contracts.catalog import run_catalog

    return run_catalog(markdown=args.markdown)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="apiconform", description="Contract tests for partner and vendor APIs.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    catalog = sub.add_parser("catalog", help="list every operation and rule with the documentation it comes from")
    catalog.add_argument("--markdown", type=Path, metavar="FILE", help="also write the catalog as Markdown")
    catalog.set_defaults(handler=_cmd_catalog)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
