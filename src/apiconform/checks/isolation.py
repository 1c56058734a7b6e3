"""Organisation isolation: one organisation never sees another's line tests, products or any of their fields.

Seed 000 (000_2f66a903044d6bbc.txt): "the responses we provide will be assigned to the registered
organisation name". Chorus documents the not-found answers: PT-004 (test not found, 404) and PT-005 (product
not found, 404), vendor-facts.md "Chorus". A 404 rather than a 403 also hides that the record exists.
Every function raises ``ContractViolation(Category.ISOLATION, ...)`` named after its rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from apiconform.checks.failures import Category, ContractViolation
from apiconform.targets.session import Operation

SEED_000_ORG = (
    '000_2f66a903044d6bbc.txt: "the responses we provide will be assigned to the registered organisation name"'
)


def _not_found(check: str, response: httpx.Response, op: Operation, what: str, code: str) -> None:
    body: Any
    try:
        body = response.json()
    except ValueError:
        body = None
    sent_code = body.get("code") if isinstance(body, dict) else None
    if response.status_code != 404 or sent_code not in (None, code):
        raise ContractViolation(
            Category.ISOLATION,
            check,
            f"another organisation's {what} was answered {response.status_code} {sent_code or ''}".rstrip(),
            received=f"{response.status_code} {response.text[:300]}",
            documented=f"404 {code}",
            source=f"{SEED_000_ORG}; vendor-facts.md: {code} 404",
            operation=op.label,
        )


def foreign_tests_are_invisible(response: httpx.Response, op: Operation) -> None:
    """Another organisation's test ID is "test not found" (404 PT-004) for the caller."""
    _not_found("foreign_tests_are_invisible", response, op, "line test", "PT-004")


def foreign_products_are_invisible(response: httpx.Response, op: Operation) -> None:
    """Another organisation's product is "product not found" (404 PT-005) for the caller."""
    _not_found("foreign_products_are_invisible", response, op, "product", "PT-005")


def foreign_tests_not_listed(listed: Iterable[str], foreign: Iterable[str], op: Operation) -> None:
    """The caller's own test listing holds none of another organisation's test IDs."""
    leaked = sorted(set(listed) & set(foreign))
    if leaked:
        raise ContractViolation(
            Category.ISOLATION,
            "foreign_tests_not_listed",
            f"the listing holds {len(leaked)} test(s) of another organisation",
            received=", ".join(leaked[:10]),
            documented="only the caller's own organisation's tests",
            source=SEED_000_ORG,
            operation=op.label,
        )


def no_foreign_field_values(text: str, foreign_values: Iterable[str], op: Operation) -> None:
    """No value that identifies another organisation's data (test or product IDs, its name) appears anywhere
    in a response to the caller, in any field."""
    found = sorted(v for v in set(foreign_values) if v and v in text)
    if found:
        raise ContractViolation(
            Category.ISOLATION,
            "no_foreign_field_values",
            f"{len(found)} value(s) of another organisation's data appear in the response",
            received=", ".join(found[:10]),
            documented="no field of another organisation's data",
            source=SEED_000_ORG,
            operation=op.label,
        )
