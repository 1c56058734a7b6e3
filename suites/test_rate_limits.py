"""Rate limits (ibm-apic-plans: plans; X-RateLimit-*; the 429 body; RFC 6585 Retry-After).

For each API and environment where the target has a ``small_plan`` credential (a plan with a small
per-operation limit), spend the limit once on one cheap operation: the headers must count down,
the call past the limit must be 429 with Retry-After and the documented body, and (where the target has
a portal API) the usage page must show the calls. The limit is read from the first answer; the test
spends it only when it is small and fits in the target's request budget.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from apiconform.checks import rate_limits as rules
from apiconform.checks.failures import ContractViolation
from apiconform.checks.samples import sample_request, send_sample
from apiconform.config.model import Environment
from apiconform.errors import ConfigError
from apiconform.parametrize import ApiEnv, api_env_params, documents_status, parametrize_cases
from apiconform.plugin import get_session
from apiconform.targets.portal import PortalClient
from apiconform.targets.session import Operation, TargetSession

pytestmark = pytest.mark.concern("rate-limits")

PURPOSE = "small_plan"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" not in metafunc.fixturenames:
        return
    session = get_session(metafunc.config)
    params = api_env_params(session, lambda api: documents_status(session, api, "429"))
    parametrize_cases(metafunc, params)


@dataclass
class Spent:
    """What spending the limit once produced."""

    op: Operation
    calls: list[rules.LimitCall]
    limit: int


WINDOW_END_MARGIN_MS = 3000


def _spend(session: TargetSession, api: str, env: Environment, waited: bool = False) -> Spent:
    """Call the probe operation with the limited role until 429 or limit + 1 calls (one window)."""
    op = session.operation(api, rules.probe_operation(session, env, api).operation_id)
    request = sample_request(session, env, op)
    role = session.require_role(env, api, PURPOSE)
    auth = session.present(env, api, role)
    first = rules.LimitCall.from_response(1, send_sample(session, env, op, auth, request), op.label)
    reset_ms = first.reset_ms * rules.reset_unit_ms(session, op) if first.reset_ms is not None else None
    if not waited and reset_ms is not None and reset_ms < WINDOW_END_MARGIN_MS and not first.refused:
        # The fixed window ends in a moment: measure in the next one rather than across the boundary.
        time.sleep(reset_ms / 1000 + 0.2)
        return _spend(session, api, env, waited=True)
    if first.status in (401, 403):
        raise ConfigError(f"the {role!r} credential of {env} is refused by {api} (HTTP {first.status}); check it")
    limit = rules.limit_announced(first, rules.limit_headers_required(session, op), op.label)
    if limit is None:
        pytest.skip(
            f"{api} sent no X-RateLimit-Limit in {env}: cannot tell the limit of credential {role!r}; "
            "verify by hand that calls past the plan's limit are refused with 429 and Retry-After"
        )
    _ensure_affordable(session, limit, role)
    calls = [first]
    while len(calls) < limit + 1 and not calls[-1].refused:
        response = send_sample(session, env, op, auth, request)
        calls.append(rules.LimitCall.from_response(len(calls) + 1, response, op.label))
    return Spent(op, calls, limit)


def _ensure_affordable(session: TargetSession, limit: int, role: str) -> None:
    """Skip (before spending more) unless the limit is small and limit + 1 calls fit in the budget."""
    needed = limit + (1 if session.target.portal is not None else 0)
    remaining = session.client.budget.remaining
    if limit > rules.MAX_CHECKED_LIMIT:
        pytest.skip(
            f"the {role!r} plan allows {limit} calls per window: checking it would spend {limit + 1} "
            f"requests; give purpose {PURPOSE!r} to an app on a plan of at most "
            f"{rules.MAX_CHECKED_LIMIT} calls per window"
        )
    if needed > remaining:
        pytest.skip(
            f"checking a limit of {limit} calls spends {limit + 1} requests but the run has {remaining} "
            f"left: raise budget.max_requests of target {session.target.name!r} in apiconform.toml"
        )


def _usage_calls(spent: Spent) -> int:
    """Calls the window holds: the ones served here plus any the first answer said came before."""
    served = [c for c in spent.calls if not c.refused]
    first = spent.calls[0].remaining
    earlier = max(spent.limit - 1 - first, 0) if first is not None else 0
    return len(served) + earlier


def _source_429(op: Operation) -> str:
    documented = op.raw.get("responses", {}).get("429") or {}
    return str(documented.get("x-source") or "RFC 6585 section 4: 429 Too Many Requests; the documented 429 schema")


def _check(session: TargetSession, api: str, env: Environment, spent: Spent) -> list[ContractViolation]:
    """Every rule on one spent window; all violations, so a report shows them together."""
    label = spent.op.label
    found: list[ContractViolation] = []
    checks = [
        lambda: rules.remaining_counts_down(spent.calls, spent.limit, label),
        lambda: rules.limit_enforced_with_429(spent.calls, spent.limit, label),
    ]
    refused = next((c for c in spent.calls if c.refused), None)
    if refused is not None:
        documented = rules.too_many_requests_schema(session.documents[api].bundled, spent.op)
        checks += [
            lambda: rules.retry_after_present(refused, label),
            lambda: rules.too_many_requests_documented(refused, documented, label, _source_429(spent.op)),
        ]
    credential = session.credential(env, session.require_role(env, api, PURPOSE)) or {}
    if session.target.portal is not None and credential.get("app_id"):
        usage = PortalClient(session).usage(credential["app_id"])
        checks.append(
            lambda: rules.usage_matches_calls(
                usage, api, spent.op.operation_id, _usage_calls(spent), spent.limit, label
            )
        )
    for check in checks:
        try:
            check()
        except ContractViolation as violation:
            found.append(violation)
    return found


@pytest.mark.requests(8)
@pytest.mark.rule(
    "a plan's per-operation limit: X-RateLimit-Remaining = Limit - calls made, 429 with Retry-After and the "
    "documented body past the limit, usage shows the calls",
    "ibm-apic-plans (limits, 429 body); the contract's X-RateLimit-* headers; RFC 6585 section 4",
)
def test_plan_limit_enforced(target_session: TargetSession, case: ApiEnv) -> None:
    api, env = case
    target_session.require_role(env, api, PURPOSE)
    spent = _spend(target_session, api, env)
    if rules.window_rolled_over(spent.calls) and target_session.client.budget.remaining > spent.limit + 2:
        spent = _spend(target_session, api, env)  # the fixed window ended mid-run: measure in the new one
    if all(call.refused for call in spent.calls):
        pytest.skip(
            f"the {PURPOSE!r} credential's quota for {api} in {env} was already spent when the test began "
            f"(Retry-After {spent.calls[0].retry_after}); run again after the window resets"
        )
    found = _check(target_session, api, env, spent)
    if found:
        for other in found[1:]:
            found[0].add_note(f"also: {other.args[0]}")
        raise found[0]
