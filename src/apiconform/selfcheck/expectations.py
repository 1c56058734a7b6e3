"""For each sandbox defect, the concern whose tests must catch it and the failure category they report.

A defect added to the sandbox without an entry here fails the detection matrix: every regression we
can plant must have a check that is proven to catch it.
"""

from __future__ import annotations

from typing import NamedTuple


class Expected(NamedTuple):
    concern: str
    category: str


AUTH = "auth-defect"
CONTRACT = "contract-drift"

EXPECTED: dict[str, Expected] = {
    "auth-ignored": Expected("auth", AUTH),
    "secret-not-checked": Expected("auth", AUTH),
    "cross-environment-credentials": Expected("environments", "environment-leak"),
    "core-token-accepted-on-endpoint-api": Expected("auth", AUTH),
    "scope-not-enforced": Expected("auth", AUTH),
    "org-data-leak": Expected("isolation", "isolation-breach"),
    "sandbox-data-in-production": Expected("environments", "environment-leak"),
    "field-type-drift": Expected("field-types", CONTRACT),
    "required-field-missing": Expected("contract", CONTRACT),
    "enum-drift": Expected("field-types", CONTRACT),
    "nullable-drift": Expected("field-types", CONTRACT),
    "invalid-input-accepted": Expected("contract", CONTRACT),
    "server-error-on-bad-input": Expected("contract", CONTRACT),
    "undocumented-status": Expected("contract", CONTRACT),
    "wrong-content-type": Expected("contract", CONTRACT),
    "rate-limit-not-enforced": Expected("rate-limits", "rate-limit-defect"),
    "rate-limit-headers-wrong": Expected("rate-limits", "rate-limit-defect"),
    "stale-secret-accepted": Expected("lifecycle", "lifecycle-defect"),
    "pending-contract-allowed": Expected("lifecycle", "lifecycle-defect"),
    "cancelled-contract-allowed": Expected("lifecycle", "lifecycle-defect"),
    "secret-readable-after-registration": Expected("lifecycle", "lifecycle-defect"),
    "read-only-attribute-writable": Expected("contract", CONTRACT),
    "challenge-header-missing": Expected("auth", AUTH),
    "token-response-cacheable": Expected("auth", AUTH),
    "token-type-drift": Expected("field-types", CONTRACT),
    "pagination-broken": Expected("contract", CONTRACT),
    "transaction-id-not-echoed": Expected("contract", CONTRACT),
    "secret-echoed-in-error": Expected("auth", AUTH),
}
