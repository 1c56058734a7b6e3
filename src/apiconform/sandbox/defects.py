"""The catalogue of switchable defects: each one realistic way a vendor API regresses.

The sandbox is correct with none on; each defect breaks exactly one documented behaviour so the
detection matrix can prove that the check meant for it fails.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from apiconform.errors import UsageError

DEFECTS: dict[str, str] = {
    "auth-ignored": "every API answers as if valid credentials had been sent, whatever was sent",
    "secret-not-checked": "a valid client id is accepted with any client secret",
    "cross-environment-credentials": "sandbox credentials and tokens are accepted by production and vice versa",
    "core-token-accepted-on-endpoint-api": "CarrierX endpoint APIs accept a Core Bearer token instead of Basic",
    "scope-not-enforced": "CarrierX Core ignores token scopes (a read-only token can create endpoints)",
    "org-data-leak": "Chorus returns another organisation's line tests",
    "sandbox-data-in-production": "AT&T production answers with the sandbox's fixture customers",
    "field-type-drift": "AT&T lookup returns accountId as a number instead of a string",
    "required-field-missing": "Chorus test results omit the required status field",
    "enum-drift": "AT&T lookup returns loaStatus 'Yes' instead of Y/N",
    "nullable-drift": "AT&T lookup returns accountName as null",
    "invalid-input-accepted": "AT&T lookup accepts an accountName shorter than 3 characters",
    "server-error-on-bad-input": "Chorus answers 500 instead of 400 PT-023 to an invalid test request",
    "undocumented-status": "CarrierX endpoint creation answers 201 instead of the documented 200",
    "wrong-content-type": "Chorus product responses are sent as text/plain",
    "rate-limit-not-enforced": "calls past the plan's limit are served instead of refused with 429",
    "rate-limit-headers-wrong": "rate-limit headers report a remaining count that does not decrease",
    "stale-secret-accepted": "the client secret replaced by a reset keeps working",
    "pending-contract-allowed": "calls under a contract pending approval are served",
    "cancelled-contract-allowed": "calls under a cancelled contract are served",
    "secret-readable-after-registration": "reading an application returns its client secret",
    "read-only-attribute-writable": "CarrierX accepts and applies read-only endpoint attributes (cps_limit)",
    "challenge-header-missing": "401 answers carry no WWW-Authenticate challenge",
    "token-response-cacheable": "CarrierX token responses lack Cache-Control: no-store",
    "token-type-drift": "CarrierX token responses say token_type 'Bearer' instead of the documented 'bearer'",
    "pagination-broken": "CarrierX lists ignore offset and always report has_more false",
    "transaction-id-not-echoed": "Chorus does not echo X-Transaction-ID",
    "secret-echoed-in-error": "AT&T 401 bodies repeat the client secret that was sent",
}


def validate_defects(names: Iterable[str]) -> frozenset[str]:
    """The names as a set, or a one-line error naming the unknown one and listing the valid ones."""
    chosen = frozenset(names)
    for name in sorted(chosen):
        if name not in DEFECTS:
            close = difflib.get_close_matches(name, DEFECTS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise UsageError(
                f"unknown defect {name!r}.{hint} Valid defects: {', '.join(sorted(DEFECTS))} "
                "(see `apiconform sandbox defects`)"
            )
    return chosen
