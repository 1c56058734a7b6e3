"""Run profiles: how deep the generated tests go (quick for pull requests, nightly deep)."""

from __future__ import annotations

from dataclasses import dataclass

from apiconform.errors import UsageError


@dataclass(frozen=True)
class Profile:
    name: str
    positive_examples: int
    negative_examples: int
    field_type_examples: int
    # Every auth variant on every operation (nightly), or each variant once per API with every operation met
    # (quick; see apiconform.parametrize.covering).
    full_matrix: bool = True
    # The same cases every run (a pull request sees no new case by chance); a --hypothesis-seed turns it off.
    derandomize: bool = False


PROFILES = {
    "quick": Profile(
        "quick", positive_examples=2, negative_examples=2, field_type_examples=2, full_matrix=False, derandomize=True
    ),
    "nightly": Profile("nightly", positive_examples=60, negative_examples=60, field_type_examples=100),
}


def profile_named(name: str) -> Profile:
    if name not in PROFILES:
        raise UsageError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}")
    return PROFILES[name]
