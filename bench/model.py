"""What a section hands back: table rows for people, a JSON payload for machines, and what went wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.stats import Stat

PASS, MISS, NA = "pass", "miss", "n/a"


@dataclass
class Row:
    """One figure. ``target`` and ``verdict`` are set only where the issue states a target."""

    figure: str
    value: str
    runs: str
    spread: str = "-"
    target: str = ""
    verdict: str = ""
    note: str = ""
    stat: dict[str, Any] | None = None  # the numbers behind ``value``, for bench.json

    @classmethod
    def of(cls, figure: str, stat: Stat, fmt: str = "{:.2f}", unit: str = "", **kwargs: str) -> Row:
        value = fmt.format(stat.median) + unit
        return cls(figure, value, str(stat.runs), stat.spread(fmt), stat=stat.as_dict(), **kwargs)


@dataclass
class Section:
    key: str
    title: str
    rows: list[Row] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # could not be measured at all: the bench exits non-zero
    skipped: str = ""  # why the whole section did not run (not an error)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "seconds": round(self.seconds, 1),
            "skipped": self.skipped or None,
            "errors": self.errors,
            "notes": self.notes,
            "rows": [row.__dict__ for row in self.rows],
            "data": self.data,
        }


def verdict(ok: bool) -> str:
    return PASS if ok else MISS
