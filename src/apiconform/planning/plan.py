"""The run's plan, made after collection and before the first request: how many requests the profile needs, how
long that takes at the target's rate, and, when the budget is smaller, which tests run (decisive first, generated
tests with fewer examples) and which are reported as not run (category ``budget-spent``), never as failures."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

from apiconform.planning.costs import examples
from apiconform.planning.order import Candidate, decisive_order
from apiconform.targets.profiles import Profile

SAFETY = 0.9  # a cut plan aims below the budget: estimates err, and the budget stops the run where they do
EXAMPLE_KINDS = ("positive", "negative", "field_type")


@dataclass
class Plan:
    tests: int
    needed: int  # requests the profile needs for every test, at full depth
    budget: int  # what this run may send (its share, the run deadline at the target's rate)
    requests_per_second: float
    learned: int  # tests whose cost came from an earlier run
    planned: int  # requests the plan expects to send
    not_run: list[str] = field(default_factory=list)
    examples: dict[str, list[int]] = field(default_factory=dict)  # kind -> [profile's, the plan's], when cut

    @cached_property
    def skipped(self) -> frozenset[str]:
        return frozenset(self.not_run)

    @property
    def cut(self) -> bool:
        return bool(self.not_run or self.examples)

    def seconds(self, requests: int) -> float:
        return requests / self.requests_per_second if self.requests_per_second > 0 else 0.0

    def lines(self) -> list[str]:
        learned = f"{self.learned} from earlier runs, {self.tests - self.learned} estimated"
        head = (
            f"plan: {self.tests} tests need about {self.needed} requests ({learned}); "
            f"at {self.requests_per_second:g}/s that is {_duration(self.seconds(self.needed))}"
        )
        if not self.cut:
            return [head, f"plan: the budget of {self.budget} requests affords every test"]
        depth = ", ".join(f"{kind} {full}->{now}" for kind, (full, now) in self.examples.items())
        lines = [
            head,
            f"plan: the budget of {self.budget} requests does not: about {self.planned} requests "
            f"({_duration(self.seconds(self.planned))}), the most decisive tests first",
        ]
        if depth:
            lines.append(f"plan: generated examples per test cut to fit ({depth})")
        if self.not_run:
            lines.append(f"plan: {len(self.not_run)} test(s) not run (budget-spent): raise the budget or use --only")
        return lines

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k != "skipped"}
        data["not_run"] = len(self.not_run)
        data["seconds_needed"] = round(self.seconds(self.needed), 1)
        return data


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def make_plan(candidates: Sequence[Candidate], budget: int, requests_per_second: float, profile: Profile) -> Plan:
    needed = math.ceil(sum(c.cost.requests for c in candidates))
    learned = sum(c.cost.learned for c in candidates)
    plan = Plan(len(candidates), needed, budget, requests_per_second, learned, needed)
    if needed <= budget or not candidates:
        return plan
    aim = budget * SAFETY if budget * (1 - SAFETY) >= 1 else float(budget)  # a budget of a few: no margin to keep
    spent, chosen, not_run = 0.0, [], []
    for c in decisive_order(candidates):
        if spent + c.cost.minimum <= aim:
            spent += c.cost.minimum
            chosen.append(c)
        else:
            not_run.append(c)
    extra = sum(c.cost.requests - c.cost.minimum for c in chosen)
    share = min(1.0, (aim - spent) / extra) if extra > 0 else 1.0
    if share < 1.0:
        for kind in EXAMPLE_KINDS:
            full = examples(profile, kind)
            if any(c.cost.kind == kind for c in chosen):
                plan.examples[kind] = [full, max(1, math.floor(1 + (full - 1) * share))]
    plan.planned = math.ceil(spent + extra * share)
    plan.not_run = [c.nodeid for c in sorted(not_run, key=lambda c: c.index)]
    return plan
