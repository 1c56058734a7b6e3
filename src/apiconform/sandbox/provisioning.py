"""Throwaway credentials created at every start, and the manifest that tells a client where things are.

The manifest is the embedded target's equivalent of a vendor's welcome e-mail: base URLs per API and
environment, and credentials per role. Only ``apiconform.targets.embedded`` and ``sandbox serve`` read it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from apiconform.sandbox.state import ENVIRONMENTS, Environment, SandboxState

Credential = dict[str, str]
KnownInput = dict[str, Any]  # keys: path_parameters, query, headers (never secrets), body


@dataclass
class Mounted:
    """What a vendor module adds for one environment: its APIs, the roles it provisioned, known inputs.

    ``known_inputs`` maps API -> operationId -> inputs that find real records (a vendor's published
    test accounts); the suites try them before generated data.
    """

    apis: list[str]
    credentials: dict[str, Credential] = field(default_factory=dict)
    known_inputs: dict[str, dict[str, list[KnownInput]]] = field(default_factory=dict)


# role -> (organisation, plan, APIs with a contract)
CLIENT_ROLES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "primary": ("acme", "standard", ("att-end-customer-lookup", "chorus-line-test")),
    "other_org": ("globex", "standard", ("chorus-line-test",)),
    "limited": ("acme", "bronze", ("att-end-customer-lookup", "chorus-line-test")),
    "att_only": ("acme", "standard", ("att-end-customer-lookup",)),
    "chorus_only": ("acme", "standard", ("chorus-line-test",)),
}

# role -> (what the suites use it for, the APIs it serves that purpose for): the welcome e-mail's "which
# application is which". Purposes are apiconform's (config.model.PURPOSES); the endpoint APIs' logins are
# each that API's main credential.
ROLE_PURPOSES: dict[str, tuple[str, tuple[str, ...]]] = {
    "primary": ("main", ("att-end-customer-lookup", "chorus-line-test")),
    "other_org": ("other_organisation", ("chorus-line-test",)),
    "limited": ("small_plan", ("att-end-customer-lookup", "chorus-line-test")),
    "att_only": ("no_contract", ("chorus-line-test",)),
    "chorus_only": ("no_contract", ("att-end-customer-lookup",)),
    "partner": ("main", ("carrierx-core",)),
    "conference": ("main", ("carrierx-conference",)),
    "flexml": ("main", ("carrierx-flexml",)),
    "mediator": ("main", ("carrierx-mediator",)),
}
PORTAL_API = "portal"
PORTAL_ORGANISATION = "acme"
OPEN_PLAN, RESTRICTED_PLAN = "standard", "gold"


@dataclass
class Manifest:
    """Where the sandbox listens and which credentials it made; base URLs are filled in once bound."""

    credentials: dict[Environment, dict[str, Credential]] = field(default_factory=dict)
    portal_credentials: dict[str, Credential] = field(default_factory=dict)
    apis: tuple[str, ...] = ()
    known_inputs: dict[Environment, dict[str, dict[str, list[KnownInput]]]] = field(default_factory=dict)
    root_url: str = ""

    def base_url(self, env: Environment, api: str) -> str:
        return f"{self.root_url}/{env}/{api}"

    @property
    def portal_url(self) -> str:
        return f"{self.root_url}/portal"


def provision_client_apps(state: SandboxState) -> dict[Environment, dict[str, Credential]]:
    """One application per role and environment (seed 000: never the same app in both)."""
    out: dict[Environment, dict[str, Credential]] = {}
    for env in ENVIRONMENTS:
        roles: dict[str, Credential] = {}
        for role, (org, plan, apis) in CLIENT_ROLES.items():
            app = state.register_app(f"{org}-{role}-{env}", org, env, plan)
            for api in apis:
                state.request_access(app, api, env)
            roles[role] = {
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "app_id": app.app_id,
            }
        out[env] = roles
    return out


def provision_portal_users(state: SandboxState) -> dict[str, Credential]:
    users = {}
    for role in ("developer", "admin"):
        login, password = f"{role}-{secrets.token_hex(3)}", secrets.token_urlsafe(18)
        state.portal_users[role] = (login, password)
        users[role] = {"username": login, "password": password}
    return users
