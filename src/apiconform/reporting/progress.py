"""Progress with an estimate of the time left, for work that takes minutes (``selfcheck``).

On a terminal it is a rich progress bar; in a CI log (no terminal) it is one plain line per finished step,
so the log shows progress without control characters.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


def _left(done: int, total: int, elapsed: float) -> str:
    if done == 0 or done >= total:
        return ""
    return f", about {elapsed / done * (total - done):.0f} s left"


@contextmanager
def progress(console: Console, total: int, description: str) -> Iterator[Callable[[str], None]]:
    """``advance(label)`` once per finished step."""
    start = time.monotonic()
    if not console.is_terminal:
        done = 0

        def line(label: str) -> None:
            nonlocal done
            done += 1
            elapsed = time.monotonic() - start
            console.print(f"{description}: {done}/{total} done ({label}, {elapsed:.0f} s{_left(done, total, elapsed)})")

        yield line
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[last]}"),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=total, last="")
        yield lambda label: bar.update(task, advance=1, last=label)
