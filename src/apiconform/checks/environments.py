"""Environment separation: credentials and data of sandbox and production never cross.

API essentials: "The Client ID and Client Secret are unique to each of the API Sandbox
and Production environments" and "do not use the same Application for connecting to both the
Production and Sandbox environments". A production API that accepts sandbox credentials lets test code
touch live lines; a production API that answers with sandbox records returns fiction to customers. Every
function raises ``ContractViolation(Category.ENVIRONMENT, ...)`` named after its rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from apiconform.checks.failures import Category, ContractViolation, breach
from apiconform.reporting.redaction import redact_text
from apiconform.targets.session import Operation

SEED_000_UNIQUE = (
    'API essentials: "The Client ID and Client Secret are unique to each of the API Sandbox and '
    'Production environments"'
)
SEED_000_APPS = 'API essentials: "You cannot use the same client application for Sandbox and Production"'


def _received(response: httpx.Response) -> str:
    return f"{response.status_code} {redact_text(response.text)[:300]}"


def credentials_bound_to_environment(
    response: httpx.Response, op: Operation, what: str, issued_in: str, sent_to: str
) -> None:
    """Credentials (API keys, Basic login, token, token-endpoint login) of one environment are 401 in the
    other: each environment has its own applications and secrets (API essentials)."""
    if response.status_code != 401:
        breach(
            ContractViolation(
                Category.ENVIRONMENT,
                "credentials_bound_to_environment",
                f"{what} issued in {issued_in} was answered {response.status_code} by {sent_to}, not refused",
                received=_received(response),
                documented=f"401 in {sent_to}",
                source=SEED_000_UNIQUE,
                operation=op.label,
            )
        )


def record_ids(body: Any, id_field: str) -> set[str]:
    """The identifiers of the records in a response body (a list of records, or one record)."""
    records = body if isinstance(body, list) else [body] if isinstance(body, dict) else []
    return {str(r[id_field]) for r in records if isinstance(r, dict) and r.get(id_field) is not None}


def records_do_not_cross_environments(
    source_ids: Iterable[str],
    target_ids: Iterable[str],
    op: Operation,
    id_field: str,
    source_env: str,
    target_env: str,
) -> None:
    """The records one environment returns for its published test inputs never appear in the other's answer
    to the same request: production data is real customers, sandbox data is fixtures (API essentials)."""
    shared = sorted(set(source_ids) & set(target_ids))
    if shared:
        breach(
            ContractViolation(
                Category.ENVIRONMENT,
                "records_do_not_cross_environments",
                f"{target_env} answered {source_env}'s test input with {source_env}'s records "
                f"({len(shared)} shared {id_field} value(s))",
                received=f"{id_field} in both: {', '.join(shared[:5])}",
                documented="no record in both environments",
                source=SEED_000_APPS,
                operation=op.label,
            )
        )


def identifiers_do_not_resolve_across_environments(
    response: httpx.Response, op: Operation, identifier: str, source_env: str, target_env: str
) -> None:
    """An identifier that exists in one environment is not found (404) in the other, whose data is its own."""
    if response.status_code != 404:
        breach(
            ContractViolation(
                Category.ENVIRONMENT,
                "identifiers_do_not_resolve_across_environments",
                f"{source_env}'s {identifier} was answered {response.status_code} by {target_env}, not 404",
                received=_received(response),
                documented=f"404 in {target_env}",
                source=SEED_000_APPS,
                operation=op.label,
            )
        )
