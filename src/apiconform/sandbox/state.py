"""In-memory state of one sandbox instance: applications, contracts, plans, usage, clock, defects.

One lock guards everything: the server runs handlers in a thread pool and the suites hit it from
several processes at once, so every read-modify-write happens under ``SandboxState.lock``.
"""

from __future__ import annotations

import functools
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

Environment = Literal["sandbox", "production"]
ENVIRONMENTS: tuple[Environment, ...] = ("sandbox", "production")
ContractStatus = Literal[
    "pending_approval",
    "config_pending",
    "approved",
    "activated",
    "rejected",
    "resubmitted",
    "suspended",
    "cancelled",
]


@dataclass(frozen=True)
class OperationLimit:
    api: str
    operation: str
    calls: int
    interval_seconds: int


@dataclass(frozen=True)
class Plan:
    """A plan groups operations of several APIs under a common or per-operation limit (seed 003)."""

    plan_id: str
    name: str
    restricted: bool
    common_calls: int | None = None
    common_interval_seconds: int | None = None
    operation_limits: tuple[OperationLimit, ...] = ()

    def limit_for(self, api: str, operation: str) -> tuple[str, str, int, int] | None:
        """(api key, operation key, calls, interval) of the limit that governs one call, if any."""
        for limit in self.operation_limits:
            if limit.api == api and limit.operation in (operation, "*"):
                return limit.api, limit.operation, limit.calls, limit.interval_seconds
        if self.common_calls is not None and self.common_interval_seconds is not None:
            return "*", "*", self.common_calls, self.common_interval_seconds
        return None


PLANS: dict[str, Plan] = {
    plan.plan_id: plan
    for plan in (
        Plan("standard", "Standard", restricted=False, common_calls=100_000, common_interval_seconds=60),
        Plan(
            "bronze",
            "Bronze",
            restricted=False,
            operation_limits=tuple(
                OperationLimit(api, op, 5, 60)
                for api, op in (
                    ("att-end-customer-lookup", "lookupEndCustomer"),
                    ("chorus-line-test", "*"),
                )
            ),
        ),
        Plan("gold", "Gold", restricted=True, common_calls=100_000, common_interval_seconds=60),
    )
}


@dataclass
class Contract:
    """An API access request (seed 001): one application, one API, one environment."""

    contract_id: str
    app_id: str
    api: str
    environment: Environment
    status: ContractStatus
    created_at: str
    updated_at: str


@dataclass
class Application:
    """A registered application: credentials valid in exactly one environment (seed 000)."""

    app_id: str
    name: str
    organisation: str
    environment: Environment
    plan_id: str
    client_id: str
    client_secret: str
    created_at: str
    description: str | None = None
    retired_secrets: list[str] = field(default_factory=list)


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def new_client_id() -> str:
    return uuid.uuid4().hex


@functools.lru_cache(maxsize=4096)
def iso(ts: float) -> str:
    """RFC 3339 UTC; cached, since a listing renders the same records' timestamps on every read."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class RateDecision:
    """Outcome of counting one call against the plan: whether to serve it and the header values."""

    allowed: bool
    limit: int
    remaining: int
    reset_ms: int
    retry_after_s: int


class SandboxState:
    """Everything one sandbox instance remembers. Vendor routers keep their own data beside it."""

    def __init__(self, defects: frozenset[str] = frozenset()) -> None:
        self.lock = threading.RLock()
        self.defects: set[str] = set(defects)
        self.clock_offset = 0.0
        self.apps: dict[str, Application] = {}
        self.contracts: dict[str, Contract] = {}
        self.usage: dict[tuple[str, str, str, int], int] = {}
        self.portal_users: dict[str, tuple[str, str]] = {}  # role -> (login, password)

    # -- time ---------------------------------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.clock_offset

    def advance_clock(self, seconds: float) -> float:
        with self.lock:
            self.clock_offset += seconds
            return self.now()

    def has(self, defect: str) -> bool:
        return defect in self.defects

    # -- applications and contracts -------------------------------------------------------------------
    def register_app(
        self,
        name: str,
        organisation: str,
        environment: Environment,
        plan_id: str,
        description: str | None = None,
    ) -> Application:
        with self.lock:
            app = Application(
                app_id="app_" + uuid.uuid4().hex[:12],
                name=name,
                organisation=organisation,
                environment=environment,
                plan_id=plan_id,
                client_id=new_client_id(),
                client_secret=new_secret(),
                created_at=iso(self.now()),
                description=description,
            )
            self.apps[app.app_id] = app
            return app

    def reset_secret(self, app: Application) -> str:
        """A new secret; the old one stops working at once (seed 003 / seed 000)."""
        with self.lock:
            app.retired_secrets.append(app.client_secret)
            app.client_secret = new_secret()
            return app.client_secret

    def request_access(self, app: Application, api: str, environment: Environment) -> Contract:
        """Auto-approved plans activate at once; restricted ones wait for an admin (seed 001)."""
        with self.lock:
            status: ContractStatus = "pending_approval" if PLANS[app.plan_id].restricted else "activated"
            stamp = iso(self.now())
            contract = Contract("ctr_" + uuid.uuid4().hex[:12], app.app_id, api, environment, status, stamp, stamp)
            self.contracts[contract.contract_id] = contract
            return contract

    def set_contract_status(self, contract: Contract, status: ContractStatus) -> Contract:
        with self.lock:
            contract.status = status
            contract.updated_at = iso(self.now())
            return contract

    def switch_environment(self, app: Application, environment: Environment) -> list[Contract]:
        """Contracts are cancelled when switching environments (seed 001)."""
        with self.lock:
            cancelled = []
            for contract in self.contracts.values():
                if contract.app_id == app.app_id and contract.environment == app.environment:
                    if contract.status != "cancelled":
                        self.set_contract_status(contract, "cancelled")
                        cancelled.append(contract)
            app.environment = environment
            return cancelled

    def contracts_of(self, app: Application) -> list[Contract]:
        with self.lock:
            return [c for c in self.contracts.values() if c.app_id == app.app_id]

    def app_by_client_id(self, client_id: str) -> Application | None:
        with self.lock:
            for app in self.apps.values():
                if secrets.compare_digest(app.client_id, client_id):
                    return app
            return None

    # -- plans and usage ----------------------------------------------------------------------------------
    def count_call(self, app: Application, api: str, operation: str) -> RateDecision | None:
        """Count one call in the fixed window of the governing limit; None when the plan has no limit."""
        governing = PLANS[app.plan_id].limit_for(api, operation)
        if governing is None:
            return None
        api_key, op_key, calls, interval = governing
        with self.lock:
            now = self.now()
            window = int(now // interval)
            key = (app.app_id, api_key, op_key, window)
            used = self.usage.get(key, 0)
            reset_ms = int(((window + 1) * interval - now) * 1000)
            allowed = used < calls or self.has("rate-limit-not-enforced")
            if allowed:
                used += 1
                self.usage[key] = used
            remaining = max(calls - used, 0)
            if self.has("rate-limit-headers-wrong"):
                remaining = calls
            return RateDecision(allowed, calls, remaining, reset_ms, max(1, -(-reset_ms // 1000)))

    def usage_of(self, app: Application) -> list[tuple[str, str, int, int, int]]:
        """(api, operation, calls in the current window, limit, interval) for each limit of the plan."""
        plan = PLANS[app.plan_id]
        rows: list[tuple[str, str, int, int]] = [
            (lim.api, lim.operation, lim.calls, lim.interval_seconds) for lim in plan.operation_limits
        ]
        if plan.common_calls is not None and plan.common_interval_seconds is not None:
            rows.append(("*", "*", plan.common_calls, plan.common_interval_seconds))
        with self.lock:
            now = self.now()
            return [
                (api, op, self.usage.get((app.app_id, api, op, int(now // interval)), 0), calls, interval)
                for api, op, calls, interval in rows
            ]
