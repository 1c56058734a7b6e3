"""Decisive first: the order a budget spends requests in when it cannot afford every test.

A test is worth what it checks that no test before it did: its rule at all, the rule on its API, on its operation,
each of its parameters (environment, variant), and an operation no test has touched yet. The next test is the one
with the most of that per request (greedy weighted set cover), so the first requests of an auth matrix are one
per variant, every rule meets every API early, and a hundredth generated body comes last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from apiconform.planning.costs import Cost

Facet = tuple[str, ...]
RULE, RULE_API, RULE_OPERATION, PARAMETER, OPERATION = 8, 4, 2, 2, 1  # what each new facet is worth


@dataclass(frozen=True)
class Candidate:
    nodeid: str
    rule: str  # the test function
    parts: tuple[str, ...]  # its parameter id split on ':' (the API first, by the suites' convention)
    cost: Cost
    index: int  # collection order

    def facets(self) -> dict[Facet, int]:
        r, p = self.rule, self.parts
        out: dict[Facet, int] = {("rule", r): RULE}
        if p:
            out[("rule-api", r, p[0])] = RULE_API
        if len(p) > 1:
            out[("rule-operation", r, p[0], p[1])] = RULE_OPERATION
            out[("operation", p[0], p[1])] = OPERATION
        for i, part in enumerate(p[1:], start=1):
            out[("parameter", r, str(i), part)] = PARAMETER
        return out


def candidate(nodeid: str, cost: Cost, index: int) -> Candidate:
    name = nodeid.split("::")[-1]
    function, _, params = name.partition("[")
    parts = tuple(params.rstrip("]").split(":")) if params else ()
    return Candidate(nodeid, f"{nodeid.split('::')[0]}::{function}", parts, cost, index)


def _worth(candidate: Candidate, facets: dict[Facet, int], seen: set[Facet]) -> tuple[float, float, int]:
    gain = sum(weight for facet, weight in facets.items() if facet not in seen)
    return (gain / max(candidate.cost.minimum, 0.1), -candidate.cost.minimum, -candidate.index)


def decisive_order(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Greedy: the most new facets per request next; ties (and tests adding nothing new) cheapest first, then in
    collection order."""
    left = {c.index: (c, c.facets()) for c in candidates}
    seen: set[Facet] = set()
    out: list[Candidate] = []
    while left:
        best, facets = max(left.values(), key=lambda entry: _worth(entry[0], entry[1], seen))
        del left[best.index]
        seen |= facets.keys()
        out.append(best)
    return out
