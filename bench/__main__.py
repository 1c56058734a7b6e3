"""``python -m bench`` (``make bench``): run the sections, print the tables, write reports/bench/bench.{json,md}.

    python -m bench [--repeat 3] [--fast] [--sections profiles,rates,...] [--out reports/bench]

Exit status 0 whatever the targets say (a miss is a finding, not a failure); 1, with one line on stderr, when a
figure could not be measured at all (a crash, a timeout, no results), after writing everything else.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from apiconform.reporting.redaction import redact_text
from bench import parallel, profiles, rates, table, throughput, timeprofile
from bench.common import REPORTS
from bench.model import Section

WIDTH = 160
TITLES = {
    "profiles": profiles.TITLE,
    "rates": rates.TITLE,
    "throughput": throughput.TITLE,
    "parallel": parallel.TITLE,
    "timeprofile": timeprofile.TITLE,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (default 3); the median is shown")
    parser.add_argument(
        "--fast", action="store_true", help="smoke check: 1 repeat, 3 s load runs, no nightly measurement"
    )
    parser.add_argument(
        "--matrix-repeat", type=int, default=1, help="runs of each quick detection matrix (derandomised; default 1)"
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each load-generator run (default 5)")
    parser.add_argument("--out", type=Path, default=REPORTS, help="output folder (default reports/bench)")
    parser.add_argument("--sections", default=",".join(TITLES), help=f"comma-separated subset of: {', '.join(TITLES)}")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    chosen = [name.strip() for name in args.sections.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in TITLES]
    if unknown or args.repeat < 1 or args.matrix_repeat < 1:
        print(f"bench: unknown section {unknown[0]!r}" if unknown else "bench: repeats must be >= 1", file=sys.stderr)
        return 2
    repeat = 1 if args.fast else args.repeat
    matrix_repeat = 1 if args.fast else args.matrix_repeat
    seconds = min(args.seconds, 3.0) if args.fast else args.seconds
    runners: dict[str, Callable[[], Section]] = {
        "profiles": lambda: profiles.measure(repeat, matrix_repeat, args.fast),
        "rates": lambda: rates.measure(repeat),
        "throughput": lambda: throughput.measure(repeat, seconds),
        "parallel": lambda: parallel.measure(repeat, args.fast),
        "timeprofile": lambda: timeprofile.measure(args.out),
    }
    console = Console() if sys.stdout.isatty() else Console(width=WIDTH)  # a log or a pipe: no wrapping
    meta = {
        "command": " ".join(["python -m bench", *(sys.argv[1:] if argv is None else argv)]),
        "repeat": repeat,
        "matrix_repeat": matrix_repeat,
        "fast": args.fast,
        "seconds": 0.0,
    }
    sections: list[Section] = []
    started = time.monotonic()
    for index, name in enumerate(chosen, 1):
        console.print(f"[bold]bench {index}/{len(chosen)}: {TITLES[name]}[/bold] ...", highlight=False)
        begin = time.monotonic()
        try:
            section = runners[name]()
        except KeyboardInterrupt:
            table.write(args.out, sections, {**meta, "seconds": time.monotonic() - started})
            print(f"bench: interrupted; partial results in {args.out}", file=sys.stderr)
            return 130
        except Exception as exc:  # one section's crash must not lose the others' figures
            section = Section(name, TITLES[name], errors=[f"{type(exc).__name__}: {exc}"])
        section.seconds = time.monotonic() - begin
        sections.append(section)
        console.print(f"  done in {section.seconds:.0f} s", highlight=False)
        table.write(args.out, sections, {**meta, "seconds": time.monotonic() - started})
    meta["seconds"] = time.monotonic() - started
    table.write(args.out, sections, meta)
    table.render(console, sections)
    console.print(
        f"total {meta['seconds']:.0f} s; written: {args.out / 'bench.json'}, {args.out / 'bench.md'}", highlight=False
    )
    errors = [f"{s.key}: {e}" for s in sections for e in s.errors]
    if errors:
        more = f" (and {len(errors) - 1} more, see bench.json)" if len(errors) > 1 else ""
        print(f"bench: could not measure {redact_text(errors[0].splitlines()[0])}{more}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
