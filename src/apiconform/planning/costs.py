"""What a suite test costs in requests, known before it runs.

Learned costs come from earlier runs of the same target and profile (pytest's cache, beside ``--lf``); a test
never run before is estimated from its markers: ``@pytest.mark.generated(kind)`` for generated tests (their
examples come from the profile) and ``@pytest.mark.requests(n)`` for scripted ones. Estimates lean high: a plan
that expects too little is cut short by the budget itself, mid-run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from apiconform.targets.profiles import Profile

GENERATED = "generated"  # @pytest.mark.generated("positive" | "negative" | "field_type"): examples from the profile
REQUESTS = "requests"  # @pytest.mark.requests(n): a scripted test's requests, setup included
UNMARKED_REQUESTS = 3
PER_EXAMPLE = 1.0  # a generated example is one request; its known inputs and tokens are the one more
CACHE_KEY = "apiconform/costs"


@dataclass(frozen=True)
class Cost:
    """Requests at the profile's full depth, and at one generated example (the least a test can be run with)."""

    requests: float
    minimum: float
    kind: str | None = None  # the profile's examples this test generates (None: scripted)
    learned: bool = False


def examples(profile: Profile, kind: str) -> int:
    return int(getattr(profile, f"{kind}_examples"))


def _static(item: pytest.Item, profile: Profile) -> Cost:
    generated = item.get_closest_marker(GENERATED)
    if generated is not None:
        kind = str(generated.args[0])
        n = examples(profile, kind)
        return Cost(1 + PER_EXAMPLE * n, 1 + PER_EXAMPLE, kind)
    marked = item.get_closest_marker(REQUESTS)
    requests = float(marked.args[0]) if marked is not None else UNMARKED_REQUESTS
    return Cost(requests, requests)


def estimate(item: pytest.Item, profile: Profile, learned: Mapping[str, float]) -> Cost:
    static = _static(item, profile)
    if item.nodeid not in learned:
        return static
    requests = max(float(learned[item.nodeid]), 1.0)
    if static.kind is None:
        return Cost(requests, requests, learned=True)
    n = max(examples(profile, static.kind), 1)
    return Cost(requests, min(requests, requests / n + 1), static.kind, learned=True)


def _key(target: str, profile: str) -> str:
    return f"{CACHE_KEY}/{target}/{profile}"


def load_learned(config: pytest.Config, target: str, profile: str) -> dict[str, float]:
    cache = getattr(config, "cache", None)
    if cache is None:  # -p no:cacheprovider
        return {}
    data: Any = cache.get(_key(target, profile), {})
    return {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else {}


def save_learned(
    config: pytest.Config, target: str, profile: str, records: Iterable[Mapping[str, Any]], *, depth_cut: bool
) -> None:
    """Remember what each test that passed sent (not the ones that failed, skipped or the budget stopped, nor
    generated tests whose examples the plan cut: their cost is the profile's full depth)."""
    cache = getattr(config, "cache", None)
    if cache is None:
        return
    learned = load_learned(config, target, profile)
    for record in records:
        if depth_cut and record.get("generated"):
            continue
        if record.get("outcome") == "passed":  # a failure stops a test early: its count says too little
            learned[str(record["nodeid"])] = int(record.get("requests", 0))
    cache.set(_key(target, profile), learned)
