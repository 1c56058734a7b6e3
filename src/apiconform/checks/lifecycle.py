"""Access-lifecycle rules (akana-go-live: contracts, approval, cancel, switch; ibm-apic-plans: secret once, reset).

The suite drives the portal and calls the API with the new application's credentials; each function
checks one documented rule on what came back and raises a ``ContractViolation`` (lifecycle-defect).
Functions take plain values (statuses, dict views, contract records) so they never see a secret in clear
except to search a body for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from pydantic import SecretStr

from apiconform.checks.failures import Category, ContractViolation, breach

SEED_SECRET_ONCE = 'ibm-apic-plans: "Make a note of your client secret because it is displayed only once"'
SEED_RESET = 'ibm-apic-plans: "You can reset your client secret"'
SEED_ACTIVATED = 'akana-go-live: "If the request is automatically approved, the post status is Activated."'
SEED_PENDING = (
    'akana-go-live: "If the request is not approved, the status is Pending Approval." / '
    'ibm-apic-plans: "Some plans are restricted and require you to request access"'
)
SEED_APPROVED = 'akana-go-live: "Upon approval by the API Admin, the API Access Request status changes to Active."'
SEED_CANCEL = 'akana-go-live: "You can deactivate app access at any time." (Cancel)'
SEED_SWITCH = 'akana-go-live: "Note that contracts are cancelled when you switch environments."'
REFUSED_CONTRACT = "HTTP 403 (gateway: the application's contract is not activated)"


class ContractLike(Protocol):
    @property
    def contract_id(self) -> str: ...
    @property
    def api(self) -> str: ...
    @property
    def status(self) -> str: ...


def _status_text(status: int) -> str:
    return f"HTTP {status}"


def secret_shown_at_registration(secret: SecretStr | None, keys: Iterable[str], operation: str) -> None:
    """Registering an app shows its client secret.

    Seed 003: "you will be shown your app client ID and client secret".
    """
    if secret is None:
        breach(
            ContractViolation(
                Category.LIFECYCLE,
                "secret_shown_at_registration",
                "the registration answer carries no client_secret",
                received=sorted(keys),
                documented="client_id and client_secret in the registration answer",
                source=SEED_SECRET_ONCE,
                operation=operation,
            )
        )


def secret_shown_once(app_view: dict[str, Any], secret: SecretStr, operation: str) -> None:
    """Reading the app later never returns the client secret (ibm-apic-plans: displayed only once)."""
    leaked = "client_secret" in app_view or secret.get_secret_value() in repr(app_view)
    if leaked:
        breach(
            ContractViolation(
                Category.LIFECYCLE,
                "secret_shown_once",
                "reading the application returns its client secret",
                received=f"keys {sorted(app_view)}",
                documented="no client_secret after registration",
                source=SEED_SECRET_ONCE,
                operation=operation,
            )
        )


def access_activated(contract: ContractLike, operation: str) -> None:
    """An access request under an open plan is activated at once (akana-go-live)."""
    if contract.status != "activated":
        breach(
            ContractViolation(
                Category.LIFECYCLE,
                "access_activated",
                f"the {contract.api} contract of an open plan is not activated",
                received=f"status {contract.status}",
                documented="status activated",
                source=SEED_ACTIVATED,
                operation=operation,
            )
        )


def contract_pending_for_restricted_plan(contract: ContractLike, operation: str) -> None:
    """An access request under a restricted plan waits for the admin (akana-go-live, ibm-apic-plans)."""
    if contract.status != "pending_approval":
        breach(
            ContractViolation(
                Category.LIFECYCLE,
                "contract_pending_for_restricted_plan",
                f"the {contract.api} contract of a restricted plan did not wait for approval",
                received=f"status {contract.status}",
                documented="status pending_approval",
                source=SEED_PENDING,
                operation=operation,
            )
        )


def call_accepted(status: int, check: str, situation: str, source: str, operation: str) -> None:
    """A call with valid credentials under an activated contract is not refused (401/403)."""
    if status in (401, 403):
        breach(
            ContractViolation(
                Category.LIFECYCLE,
                check,
                f"a call {situation} was refused",
                received=_status_text(status),
                documented="served (not 401/403)",
                source=source,
                operation=operation,
            )
        )


def activated_contract_accepted(status: int, operation: str) -> None:
    """New credentials work as soon as the contract is activated (akana-go-live)."""
    call_accepted(
        status,
        "activated_contract_accepted",
        "with new credentials under an activated contract",
        SEED_ACTIVATED,
        operation,
    )


def reset_secret_revokes_old(status_old: int, status_new: int, operation: str) -> None:
    """After a reset the old secret is refused at once (401) and the new one works (ibm-apic-plans)."""
    if status_old != 401:
        breach(
            ContractViolation(
                Category.LIFECYCLE,
                "reset_secret_revokes_old",
                "the client secret replaced by a reset still works",
                received=f"old secret: {_status_text(status_old)}",
                documented="HTTP 401 at once after the reset",
                source=SEED_RESET,
                operation=operation,
            )
        )
    call_accepted(status_new, "reset_secret_revokes_old", "with the new secret after a reset", SEED_RESET, operation)


def pending_contract_refused(status: int, operation: str) -> None:
    """Calls under a contract pending approval are refused with 403 (akana-go-live; the 403 is inferred)."""
    if status != 403:
        breach(
            ContractViolation(
                Category.LIFECYCLE,
                "pending_contract_refused",
                "a call under a contract pending approval was not refused",
                received=_status_text(status),
                documented=REFUSED_CONTRACT,
                source=SEED_PENDING,
                operation=operation,
            )
        )


def approved_contract_accepted(status: int, operation: str) -> None:
    """Once the admin approves, the same credentials are served (akana-go-live)."""
    call_accepted(
        status,
        "approved_contract_accepted",
        "after the admin approved the contract",
        SEED_APPROVED,
        operation,
    )


def cancelled_contract_refused(status: int, contract: ContractLike, operation: str) -> None:
    """A cancelled contract shows cancelled and its calls are refused with 403 (akana-go-live)."""
    if contract.status != "cancelled":
        breach(
            ContractViolation(
                Category.LIFECYCLE,
                "cancelled_contract_refused",
                "the cancelled contract does not show cancelled",
                received=f"status {contract.status}",
                documented="status cancelled",
                source=SEED_CANCEL,
                operation=operation,
            )
        )
    if status != 403:
        breach(
            ContractViolation(
                Category.LIFECYCLE,
                "cancelled_contract_refused",
                "a call under a cancelled contract was not refused",
                received=_status_text(status),
                documented=REFUSED_CONTRACT,
                source=SEED_CANCEL,
                operation=operation,
            )
        )


def switch_cancels_contracts(contracts: Iterable[ContractLike], old_status: int, operation: str) -> None:
    """Switching environment cancels every contract of the old one, whose calls are refused (akana-go-live)."""
    still = [f"{c.api}: {c.status}" for c in contracts if c.status != "cancelled"]
    if still:
        breach(
            ContractViolation(
                Category.LIFECYCLE,
                "switch_cancels_contracts",
                "contracts of the old environment survived the switch",
                received=still,
                documented="every contract of the old environment cancelled",
                source=SEED_SWITCH,
                operation=operation,
            )
        )
    if old_status not in (401, 403):
        breach(
            ContractViolation(
                Category.LIFECYCLE,
                "switch_cancels_contracts",
                "the app is still served in the environment it left",
                received=_status_text(old_status),
                documented="HTTP 401 or 403 in the old environment",
                source=SEED_SWITCH,
                operation=operation,
            )
        )
