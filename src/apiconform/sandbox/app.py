"""The sandbox application factory: state, provisioning, and every API mounted per environment."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI

from apiconform.sandbox import att, carrierx, chorus, portal
from apiconform.sandbox.defects import validate_defects
from apiconform.sandbox.provisioning import Manifest, provision_client_apps, provision_portal_users
from apiconform.sandbox.refusal import install_refusal_handler
from apiconform.sandbox.state import ENVIRONMENTS, SandboxState

VENDORS = (att, chorus, carrierx)


def create_app(defects: Iterable[str] = ()) -> tuple[FastAPI, SandboxState, Manifest]:
    """A fresh sandbox: its own state and throwaway credentials, with the given defects on."""
    state = SandboxState(validate_defects(defects))
    app = FastAPI(title="apiconform embedded vendor sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    manifest = Manifest(credentials=provision_client_apps(state))
    apis: list[str] = []
    for env in ENVIRONMENTS:
        for vendor in VENDORS:
            mounted = vendor.mount(app, state, env)
            manifest.credentials[env].update(mounted.credentials)
            manifest.known_inputs.setdefault(env, {}).update(mounted.known_inputs)
            if env == ENVIRONMENTS[0]:
                apis.extend(mounted.apis)
    manifest.apis = tuple(apis)
    manifest.portal_credentials = provision_portal_users(state)
    portal.mount(app, state)
    install_refusal_handler(app)
    return app, state, manifest
