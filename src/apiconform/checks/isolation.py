"""Organisation isolation: one organisation never sees another's records, directly, listed or in any field.

API essentials: "the responses we provide will be assigned to the
registered organisation name". What "not found" looks like is the operation's documented 404 (a 404 rather
than a 403 also hides that the record exists); an operation documenting no 404 may answer 403 instead.
Every function raises ``ContractViolation(Category.ISOLATION, ...)`` named after its rule.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from apiconform.checks.failures import Category, ContractViolation, breach
from apiconform.reporting.redaction import redact_text
from apiconform.targets.session import Operation

SEED_000_ORG = 'API essentials: "the responses we provide will be assigned to the registered organisation name"'


def foreign_record_is_invisible(response: httpx.Response, op: Operation) -> None:
    """Another organisation's record is "not found" for the caller: the documented 404 (else 403 or 404)."""
    documented = op.raw.get("responses", {}).get("404")
    allowed = (404,) if documented is not None else (403, 404)
    if response.status_code not in allowed:
        source = str((documented or {}).get("x-source", "")) if isinstance(documented, dict) else ""
        breach(
            ContractViolation(
                Category.ISOLATION,
                "foreign_record_is_invisible",
                f"another organisation's record was answered {response.status_code}",
                received=f"{response.status_code} {redact_text(response.text)[:300]}",
                documented=" or ".join(map(str, allowed)),
                source=f"{SEED_000_ORG}; {source}" if source else SEED_000_ORG,
                operation=op.label,
            )
        )


def foreign_records_not_listed(listed: Iterable[str], foreign: Iterable[str], op: Operation) -> None:
    """The caller's own listing holds none of another organisation's record ids."""
    leaked = sorted(set(listed) & set(foreign))
    if leaked:
        breach(
            ContractViolation(
                Category.ISOLATION,
                "foreign_records_not_listed",
                f"the listing holds {len(leaked)} record(s) of another organisation",
                received=", ".join(leaked[:10]),
                documented="only the caller's own organisation's records",
                source=SEED_000_ORG,
                operation=op.label,
            )
        )


def no_foreign_field_values(text: str, foreign_values: Iterable[str], op: Operation) -> None:
    """No value that identifies another organisation's data (test or product IDs, its name) appears anywhere
    in a response to the caller, in any field."""
    found = sorted(v for v in set(foreign_values) if v and v in text)
    if found:
        breach(
            ContractViolation(
                Category.ISOLATION,
                "no_foreign_field_values",
                f"{len(found)} value(s) of another organisation's data appear in the response",
                received=", ".join(found[:10]),
                documented="no field of another organisation's data",
                source=SEED_000_ORG,
                operation=op.label,
            )
        )
