"""The access lifecycle (akana-go-live: contracts, approval, cancel, switch; ibm-apic-plans: secret once, reset).

Each test registers its own application through the portal API (so tests are independent), moves it
through one part of the lifecycle and calls the API with its credentials. Only targets with a portal
API (the embedded sandbox) can be driven; for a vendor the test skips and says what to verify by hand.
New client secrets are secrets: they stay ``SecretStr`` and are registered for redaction on arrival.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pydantic import SecretStr

from apiconform.checks import lifecycle as rules
from apiconform.checks.rate_limits import probe_operation
from apiconform.checks.samples import sample_request, send_sample
from apiconform.config.model import Environment
from apiconform.parametrize import ApiEnv, api_env_params, has_id_secret_pair, parametrize_cases
from apiconform.plugin import get_session
from apiconform.targets.credentials import place
from apiconform.targets.portal import PortalClient, Registration
from apiconform.targets.session import TargetSession

pytestmark = pytest.mark.concern("lifecycle")

MANUAL = {
    "secret": "that the client secret is shown once at registration and never again on the app's page",
    "activate": "that an app's new credentials work as soon as its access request shows Activated",
    "reset": "that after resetting the client secret the old one is refused at once (401) and the new one works",
    "pending": "that calls under a contract Pending Approval are refused (403) and served once the admin approves",
    "cancel": "that cancelling an API access contract refuses the app's calls at once (403)",
    "switch": "that switching an app to the other environment cancels every contract of the old one",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" not in metafunc.fixturenames:
        return
    session = get_session(metafunc.config)
    # Quick: each rule in one environment per API, the environments taking turns rule by rule (the portal's
    # lifecycle is one; its effect is checked in every environment across the rules). Nightly: every environment.
    rules = [name for name in vars(metafunc.module) if name.startswith("test_")]
    turn = None if session.profile.full_matrix else rules.index(metafunc.function.__name__)
    params = api_env_params(session, lambda api: has_id_secret_pair(session, api), one_environment=turn)
    parametrize_cases(metafunc, params)


def _portal(session: TargetSession, step: str) -> PortalClient:
    """The portal client, or a skip that tells QA what to verify by hand in the vendor's portal."""
    if session.target.portal is None:
        pytest.skip(
            f"target {session.target.name!r} has no portal API: verify by hand in the vendor portal "
            f"{MANUAL[step]} (akana-go-live, ibm-apic-plans)"
        )
    return PortalClient(session)


def _register(
    session: TargetSession, portal: PortalClient, env: Environment, restricted: bool, step: str
) -> Registration:
    """A new application of the portal's organisation, on its open or its restricted plan."""
    access = session.target.portal
    assert access is not None  # _portal() skipped otherwise
    plan = access.restricted_plan if restricted else access.open_plan
    if not access.organisation or not plan or not access.admin:
        key = "restricted_plan" if restricted else "open_plan"
        pytest.skip(
            f"the lifecycle suite registers applications: add organisation, {key} and an admin login to "
            f"[targets.{session.target.name}.portal] to run it"
        )
    name = f"apiconform-{step}-{uuid.uuid4().hex[:8]}"
    return portal.register_app(name, access.organisation, env, plan, description="apiconform lifecycle suite")


def _call(session: TargetSession, env: Environment, api: str, client_id: str, secret: SecretStr) -> int:
    """One valid sample call of the API with an app's credentials; the HTTP status."""
    op = probe_operation(session, env, api)
    security = session.security(api)
    assert security is not None and security.id_key is not None and security.secret_key is not None
    auth = place({security.id_key: client_id, security.secret_key: secret.get_secret_value()})
    response: Any = send_sample(session, env, op, auth, sample_request(session, env, op))
    return int(response.status_code)


def _label(session: TargetSession, env: Environment, api: str) -> str:
    return f"{api} {probe_operation(session, env, api).label} ({env})"


def _registered_secret(registration: Registration) -> SecretStr:
    """The secret of the registration answer (a violation when it is missing)."""
    secret = registration.client_secret
    rules.secret_shown_at_registration(secret, registration.keys, "register-app")
    assert secret is not None  # checked just above
    return secret


@pytest.mark.requests(2)
@pytest.mark.rule("the client secret is shown once, at registration", "ibm-apic-plans")
def test_secret_shown_once(target_session: TargetSession, case: ApiEnv) -> None:
    env = case.env
    portal = _portal(target_session, "secret")
    registration = _register(target_session, portal, env, False, "secret")
    secret = _registered_secret(registration)
    rules.secret_shown_once(portal.get_app(registration.app.app_id), secret, "get-app")


@pytest.mark.requests(3)
@pytest.mark.rule(
    "an access request under an open plan is activated and the new credentials work",
    "akana-go-live",
)
def test_activated_contract_accepted(target_session: TargetSession, case: ApiEnv) -> None:
    api, env = case
    portal = _portal(target_session, "activate")
    registration = _register(target_session, portal, env, False, "activate")
    secret = _registered_secret(registration)
    rules.access_activated(portal.request_access(registration.app.app_id, api, env), "request-access")
    status = _call(target_session, env, api, registration.app.client_id, secret)
    rules.activated_contract_accepted(status, _label(target_session, env, api))


@pytest.mark.requests(6)
@pytest.mark.rule("a reset client secret stops working at once; the new one works", "ibm-apic-plans")
def test_reset_secret_revokes_old(target_session: TargetSession, case: ApiEnv) -> None:
    api, env = case
    portal = _portal(target_session, "reset")
    registration = _register(target_session, portal, env, False, "reset")
    old = _registered_secret(registration)
    app = registration.app
    rules.access_activated(portal.request_access(app.app_id, api, env), "request-access")
    label = _label(target_session, env, api)
    rules.activated_contract_accepted(_call(target_session, env, api, app.client_id, old), label)
    new = portal.reset_secret(app.app_id)
    status_old = _call(target_session, env, api, app.client_id, old)
    status_new = _call(target_session, env, api, app.client_id, new)
    rules.reset_secret_revokes_old(status_old, status_new, label)


@pytest.mark.requests(5)
@pytest.mark.rule(
    "a restricted plan's contract waits for approval; calls are refused until the admin approves",
    "akana-go-live; ibm-apic-plans",
)
def test_pending_contract_refused(target_session: TargetSession, case: ApiEnv) -> None:
    api, env = case
    portal = _portal(target_session, "pending")
    registration = _register(target_session, portal, env, True, "pending")
    secret = _registered_secret(registration)
    app = registration.app
    contract = portal.request_access(app.app_id, api, env)
    rules.contract_pending_for_restricted_plan(contract, "request-access")
    label = _label(target_session, env, api)
    rules.pending_contract_refused(_call(target_session, env, api, app.client_id, secret), label)
    rules.access_activated(portal.approve_contract(contract.contract_id), "approve-contract")
    rules.approved_contract_accepted(_call(target_session, env, api, app.client_id, secret), label)


@pytest.mark.requests(6)
@pytest.mark.rule("a cancelled contract refuses the app's calls at once", "akana-go-live")
def test_cancelled_contract_refused(target_session: TargetSession, case: ApiEnv) -> None:
    api, env = case
    portal = _portal(target_session, "cancel")
    registration = _register(target_session, portal, env, False, "cancel")
    secret = _registered_secret(registration)
    app = registration.app
    contract = portal.request_access(app.app_id, api, env)
    rules.access_activated(contract, "request-access")
    label = _label(target_session, env, api)
    rules.activated_contract_accepted(_call(target_session, env, api, app.client_id, secret), label)
    portal.cancel_contract(contract.contract_id)
    status = _call(target_session, env, api, app.client_id, secret)
    rules.cancelled_contract_refused(status, portal.get_contract(contract.contract_id), label)


@pytest.mark.requests(8)
@pytest.mark.rule("switching environment cancels every contract of the old one", "akana-go-live")
def test_switch_cancels_contracts(target_session: TargetSession, case: ApiEnv) -> None:
    api, env = case
    portal = _portal(target_session, "switch")
    others = [e for e in target_session.target.environments if e != env]
    if not others:
        pytest.skip(
            f"target {target_session.target.name!r} has only {env}: configure a second environment "
            "to check that switching cancels contracts"
        )
    registration = _register(target_session, portal, env, False, "switch")
    secret = _registered_secret(registration)
    app = registration.app
    apis = [
        a
        for a in target_session.target.apis()
        if has_id_secret_pair(target_session, a) and env in target_session.environments(a)
    ]
    contracts = [portal.request_access(app.app_id, a, env) for a in apis]
    for contract in contracts:
        rules.access_activated(contract, "request-access")
    label = _label(target_session, env, api)
    rules.activated_contract_accepted(_call(target_session, env, api, app.client_id, secret), label)
    portal.switch_environment(app.app_id, others[0])
    after = [portal.get_contract(c.contract_id) for c in contracts]
    status = _call(target_session, env, api, app.client_id, secret)
    rules.switch_cancels_contracts(after, status, label)
