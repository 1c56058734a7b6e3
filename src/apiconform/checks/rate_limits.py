"""Rate-limit rules (ibm-apic-plans: plans; the X-RateLimit-* headers and the 429 the contract documents; RFC 6585).

The suite spends the limited role's quota on one operation and hands the answers here as
``LimitCall`` records; each function checks one documented rule and raises a ``ContractViolation``
(category rate-limit-defect) that pairs what was received with what is documented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import httpx

from apiconform.checks.failures import Category, ContractViolation, breach
from apiconform.checks.graded import Breach, report_breaches, response_links, schema_breaches
from apiconform.config.model import Environment
from apiconform.contracts.grades import Grade, weakest
from apiconform.targets.session import Operation, TargetSession

JSON = dict[str, Any]

SEED_PLANS = (
    'ibm-apic-plans: "Rate limits specify how many calls an app is allowed to make during a specified time interval"'
)
SEED_USAGE = 'ibm-apic-plans: "you can see the usage compared to the rate limit of the plan"'
SOURCE_HEADERS = "the success responses' documented X-RateLimit-Limit/Remaining/Reset headers"
SOURCE_RETRY_AFTER = (
    "RFC 6585 section 4 / RFC 9110 10.2.3: 429 with Retry-After in delay-seconds; "
    "assumption: the gateway's 429 carries Retry-After"
)
MAX_CHECKED_LIMIT = 50
_DELAY_SECONDS = re.compile(r"^[0-9]+$")


class HeaderNotInteger(ValueError):
    """A rate-limit header is present but not the documented integer."""


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    if not _DELAY_SECONDS.match(value.strip()):
        raise HeaderNotInteger(f"{name}: {value!r}")
    return int(value)


@dataclass(frozen=True)
class LimitCall:
    """One call with the limited role: status and the rate-limit headers it carried."""

    index: int
    status: int
    limit: int | None
    remaining: int | None
    reset_ms: int | None
    retry_after: str | None
    content_type: str
    body: Any

    @property
    def refused(self) -> bool:
        return self.status == 429

    @classmethod
    def from_response(cls, index: int, response: httpx.Response, operation: str) -> LimitCall:
        """Read one answer; a non-integer X-RateLimit-* value is itself a violation (documented integers)."""
        headers = response.headers
        try:
            limit = _int_header(headers, "X-RateLimit-Limit")
            remaining = _int_header(headers, "X-RateLimit-Remaining")
            reset_ms = _int_header(headers, "X-RateLimit-Reset")
        except HeaderNotInteger as exc:
            breach(
                ContractViolation(
                    Category.RATE_LIMIT,
                    "rate_limit_headers_integer",
                    f"call {index}: rate-limit header is not an integer",
                    received=str(exc),
                    documented="X-RateLimit-Limit/Remaining/Reset: integers (common/rate-limit-headers.json)",
                    source=SOURCE_HEADERS,
                    operation=operation,
                )
            )
            limit = remaining = reset_ms = None
        content_type = headers.get("content-type", "")
        try:
            body = response.json() if "json" in content_type else None
        except ValueError:
            body = None
        return cls(
            index,
            response.status_code,
            limit,
            remaining,
            reset_ms,
            headers.get("Retry-After"),
            content_type,
            body,
        )


def describe(calls: list[LimitCall]) -> str:
    """``#1 200 remaining=4, #2 ...``: the sequence as received, for messages."""
    return ", ".join(f"#{c.index} {c.status} remaining={c.remaining}" for c in calls)


# -- which operation to spend the quota on -------------------------------------------------------
def probe_operation(session: TargetSession, env: Environment, api: str) -> Operation:
    """A cheap operation a valid caller can call: read-only with a known input first.

    Seed 003: plans count calls per operation, so any served operation spends the quota.
    """
    operations = session.operations(api)

    def rank(op: Operation) -> tuple[bool, bool]:
        known = bool(session.known_inputs(env, api, op.operation_id))
        return (not op.read_only, not known)

    return sorted(operations, key=rank)[0]


def reset_unit_ms(session: TargetSession, op: Operation) -> int:
    """Milliseconds per unit of X-RateLimit-Reset: the header's ``x-apiconform-unit`` (``s`` or ``ms``); when the
    contract is silent, the common gateways' convention: milliseconds until the window ends."""
    bundled = session.documents[op.api].bundled
    for status, response in op.raw.get("responses", {}).items():
        if str(status).startswith("2"):
            for name, header in _resolve(bundled, response).get("headers", {}).items():
                if name.lower() == "x-ratelimit-reset" and _resolve(bundled, header).get("x-apiconform-unit") == "s":
                    return 1000
    return 1


def limit_headers_required(session: TargetSession, op: Operation) -> bool:
    """Whether the operation's success response declares X-RateLimit-Limit as required."""
    bundled = session.documents[op.api].bundled
    for status, response in op.raw.get("responses", {}).items():
        if not str(status).startswith("2"):
            continue
        headers = _resolve(bundled, response).get("headers", {})
        for name, header in headers.items():
            if name.lower() == "x-ratelimit-limit" and _resolve(bundled, header).get("required"):
                return True
    return False


def _resolve(bundled: JSON, node: JSON) -> JSON:
    """Follow a local ``$ref`` (``#/components/...``) of the bundled document."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = bundled
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def too_many_requests_schema(bundled: JSON, op: Operation) -> tuple[JSON, list[Grade | None]] | None:
    """The operation's documented 429 JSON body schema (with the components its refs need) and the links
    before it (the operation, that response), or None when none is documented."""
    response = op.raw.get("responses", {}).get("429")
    if response is None:
        return None
    resolved = _resolve(bundled, response)
    media = next((v for k, v in resolved.get("content", {}).items() if "json" in k), None)
    if media is None or "schema" not in media:
        return None
    schema = media["schema"]
    root: JSON = {"$ref": schema["$ref"]} if "$ref" in schema else {"allOf": [schema]}
    root["components"] = bundled.get("components", {})
    return root, response_links(op.raw, resolved)


# -- rules ---------------------------------------------------------------------------------------
def limit_announced(first: LimitCall, required: bool, operation: str) -> int | None:
    """The plan's limit from the first answer's X-RateLimit-Limit (where the contract documents it).

    None when the header is absent and the contract does not require it (the suite then skips);
    a violation when the contract requires it.
    """
    if first.limit is None and required:
        breach(
            ContractViolation(
                Category.RATE_LIMIT,
                "limit_announced",
                "a successful call carries no X-RateLimit-Limit header",
                received=f"HTTP {first.status} without X-RateLimit-Limit",
                documented="X-RateLimit-Limit (required)",
                source=SOURCE_HEADERS,
                operation=operation,
            )
        )
    return first.limit


def window_rolled_over(calls: list[LimitCall]) -> bool:
    """True when X-RateLimit-Reset (ms until the fixed window ends) went up: a new window began mid-run."""
    resets = [c.reset_ms for c in calls if c.reset_ms is not None]
    return any(later > earlier for earlier, later in pairwise(resets))


def remaining_counts_down(calls: list[LimitCall], limit: int, operation: str) -> None:
    """X-RateLimit-Remaining = Limit - calls made in the window, one less per call (ibm-apic-plans)."""
    served = [c for c in calls if not c.refused]
    for call in served:
        if call.limit != limit or call.remaining is None:
            breach(
                ContractViolation(
                    Category.RATE_LIMIT,
                    "remaining_counts_down",
                    f"call {call.index}: rate-limit headers missing or changed",
                    received=f"X-RateLimit-Limit={call.limit}, X-RateLimit-Remaining={call.remaining}",
                    documented=f"X-RateLimit-Limit={limit} and X-RateLimit-Remaining on every served call",
                    source=SOURCE_HEADERS,
                    operation=operation,
                )
            )
    if not served:
        return  # nothing served in this window: nothing to count (the suite skips such a run)
    first = served[0]
    if first.remaining is not None and first.remaining > limit - 1:
        breach(
            ContractViolation(
                Category.RATE_LIMIT,
                "remaining_counts_down",
                "the first call was not counted against the limit",
                received=f"X-RateLimit-Remaining={first.remaining} after 1 call ({describe(calls)})",
                documented=f"at most Limit - calls made = {limit - 1}",
                source=SOURCE_HEADERS,
                operation=operation,
            )
        )
    for before, after in pairwise(served):
        if before.remaining == 0:
            break  # serving past the limit is limit_enforced_with_429's rule
        if before.remaining is not None and after.remaining != before.remaining - 1:
            breach(
                ContractViolation(
                    Category.RATE_LIMIT,
                    "remaining_counts_down",
                    f"X-RateLimit-Remaining did not decrease by one at call {after.index}",
                    received=describe(calls),
                    documented=f"call {after.index}: remaining={before.remaining - 1}",
                    source=SOURCE_HEADERS,
                    operation=operation,
                )
            )


def limit_enforced_with_429(calls: list[LimitCall], limit: int, operation: str) -> None:
    """A call past the plan's limit in the window is refused with 429, and no earlier one is (ibm-apic-plans)."""
    refused = next((c for c in calls if c.refused), None)
    served = [c for c in calls if not c.refused]
    if refused is None:
        if len(served) > limit:
            breach(
                ContractViolation(
                    Category.RATE_LIMIT,
                    "limit_enforced_with_429",
                    f"{len(served)} calls in one window were all served; the limit is {limit}",
                    received=describe(calls),
                    documented=f"call {limit + 1}: HTTP 429 Too Many Requests",
                    source=SEED_PLANS,
                    operation=operation,
                )
            )
        return
    last = served[-1] if served else None
    if last is not None and last.remaining not in (None, 0):
        breach(
            ContractViolation(
                Category.RATE_LIMIT,
                "limit_enforced_with_429",
                f"call {refused.index} refused with 429 although the previous answer left {last.remaining} calls",
                received=describe(calls),
                documented="429 only once X-RateLimit-Remaining has reached 0",
                source=SEED_PLANS,
                operation=operation,
            )
        )


def retry_after_present(refused: LimitCall, operation: str) -> None:
    """The 429 carries Retry-After in integer delay-seconds (RFC 6585 section 4, RFC 9110 10.2.3)."""
    value = (refused.retry_after or "").strip()
    if not _DELAY_SECONDS.match(value):
        breach(
            ContractViolation(
                Category.RATE_LIMIT,
                "retry_after_present",
                "the 429 answer has no usable Retry-After",
                received=f"Retry-After: {refused.retry_after!r}",
                documented="Retry-After: <integer seconds>",
                source=SOURCE_RETRY_AFTER,
                operation=operation,
            )
        )


def too_many_requests_documented(
    refused: LimitCall, documented: tuple[JSON, list[Grade | None]] | None, operation: str, source: str
) -> None:
    """The 429 body is the one the contract documents (its schema, graded link by link), cited with that
    response's ``x-source``."""
    if documented is None:
        return
    schema, links = documented
    if refused.body is None:
        breaches = [Breach(weakest(links), "", "not JSON")]
    else:
        breaches = schema_breaches(schema, refused.body, links)

    def violation(group: list[Breach]) -> ContractViolation:
        return ContractViolation(
            Category.RATE_LIMIT,
            "too_many_requests_body",
            f"the 429 body breaks its schema: {group[0].text}"
            if refused.body is not None
            else "the 429 answer has no JSON body",
            received=refused.body if refused.body is not None else f"Content-Type: {refused.content_type!r}",
            documented="the operation's 429 response schema",
            source=source,
            operation=operation,
            grade=group[0].grade,
        )

    report_breaches(breaches, violation)


def usage_matches_calls(usage: list[Any], api: str, operation_id: str, made: int, limit: int, operation: str) -> None:
    """The portal's usage shows the calls made in the window against the plan's limit (ibm-apic-plans).

    ``usage`` holds ``UsageItem``-like objects (api, operation, calls, limit, remaining).
    """
    item = next((u for u in usage if u.api == api and u.operation in (operation_id, "*")), None)
    if item is None:
        breach(
            ContractViolation(
                Category.RATE_LIMIT,
                "usage_matches_calls",
                f"the usage lists no entry for {api} {operation_id}",
                received=[f"{u.api} {u.operation}" for u in usage],
                documented=f"{api} {operation_id} (or *)",
                source=SEED_USAGE,
                operation=operation,
            )
        )
        return
    if item.calls != made or item.limit != limit:
        breach(
            ContractViolation(
                Category.RATE_LIMIT,
                "usage_matches_calls",
                "the usage does not show the calls made in the window",
                received=f"calls={item.calls}, limit={item.limit}",
                documented=f"calls={made}, limit={limit}",
                source=SEED_USAGE,
                operation=operation,
            )
        )
    if item.remaining is not None and item.remaining != max(limit - made, 0):
        breach(
            ContractViolation(
                Category.RATE_LIMIT,
                "usage_matches_calls",
                "the usage's remaining count is not limit - calls",
                received=f"remaining={item.remaining}",
                documented=f"remaining={max(limit - made, 0)}",
                source=SEED_USAGE,
                operation=operation,
            )
        )
