"""Medians with their spread: one run's figure is noise, so every figure carries min, max and run count."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Stat:
    median: float
    min: float
    max: float
    runs: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Stat:
        if not values:
            raise ValueError("no values to summarise")
        return cls(statistics.median(values), min(values), max(values), len(values))

    def ratio_to(self, other: Stat) -> float:
        """The ratio of the medians (how much faster or bigger this is than ``other``)."""
        return self.median / other.median if other.median else float("inf")

    def spread(self, fmt: str = "{:.2f}") -> str:
        if self.runs == 1:
            return "-"
        return f"{fmt.format(self.min)}–{fmt.format(self.max)}"

    def as_dict(self) -> dict[str, Any]:
        return {"median": self.median, "min": self.min, "max": self.max, "runs": self.runs}
