"""Budget-aware runs: what each test costs in requests, and which tests a budget can afford, decided before
anything is sent (``plan.make_plan``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest

from apiconform.planning.costs import estimate, examples, load_learned
from apiconform.planning.order import candidate
from apiconform.planning.plan import Plan, make_plan
from apiconform.targets.profiles import Profile

# Time per request relative to a scripted test's: a negative example takes about 3.5 times as long to generate as a
# positive one (nightly against the sandbox: 11.4 against 3.0-3.6 ms per request; make bench, section 1).
SECONDS_PER_REQUEST = {"negative": 3.5}

__all__ = ["Plan", "expected_seconds", "heaviest_first", "plan_items", "planned_profile"]


def plan_items(config: pytest.Config, session: Any, items: list[pytest.Item]) -> Plan:
    """The plan for the collected suite tests, against the run's budget (its share) and the run deadline."""
    budget = session.client.budget
    rate = 1.0 / budget.interval
    affordable = budget.max_requests
    if budget.run_seconds is not None:
        affordable = min(affordable, int(rate * budget.run_seconds))
    learned = load_learned(config, session.target.name, session.profile.name)
    candidates = [candidate(item.nodeid, estimate(item, session.profile, learned), i) for i, item in enumerate(items)]
    return make_plan(candidates, affordable, rate, session.profile)


def expected_seconds(config: pytest.Config, session: Any, items: list[pytest.Item]) -> dict[str, float]:
    """Each test's expected time, in units of a scripted request: its requests (learned where an earlier run
    measured them), a negative example weighing more (``SECONDS_PER_REQUEST``)."""
    learned = load_learned(config, session.target.name, session.profile.name)

    def weight(item: pytest.Item) -> float:
        cost = estimate(item, session.profile, learned)
        return cost.requests * SECONDS_PER_REQUEST.get(cost.kind or "", 1.0)

    return {item.nodeid: weight(item) for item in items}


def heaviest_first(items: list[pytest.Item], weights: Mapping[str, float]) -> list[pytest.Item]:
    """The tests by expected cost (``expected_seconds``), heaviest first (then in collection order), for xdist
    workers: the long generated tests start early and the short ones are left to steal at the end, so the workers
    finish together (longest-processing-time scheduling) instead of one waiting on the other's last generated
    test."""
    return sorted(items, key=lambda item: -weights.get(item.nodeid, 0.0))


def planned_profile(profile: Profile, plan: Plan) -> Profile:
    """The profile with the plan's example counts (the same profile when the budget affords it all)."""
    if not plan.examples:
        return profile
    full = {kind: examples(profile, kind) for kind in ("positive", "negative", "field_type")}
    cut = {kind: plan.examples.get(kind, [n, n])[1] for kind, n in full.items()}
    return replace(
        profile,
        positive_examples=cut["positive"],
        negative_examples=cut["negative"],
        field_type_examples=cut["field_type"],
    )
