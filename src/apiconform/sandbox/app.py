"""The sandbox application factory: state, provisioning, and every API mounted per environment."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from apiconform.sandbox import att, carrierx, chorus, portal
from apiconform.sandbox.defects import validate_defects
from apiconform.sandbox.provisioning import Manifest, provision_client_apps, provision_portal_users
from apiconform.sandbox.refusal import install_refusal_handler
from apiconform.sandbox.state import ENVIRONMENTS, SandboxState

VENDORS = (att, chorus, carrierx)


def create_app(defects: Iterable[str] = ()) -> tuple[Starlette, SandboxState, Manifest]:
    """A fresh sandbox: its own state and throwaway credentials, with the given defects on."""
    state = SandboxState(validate_defects(defects))
    app = Starlette()
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
    install_allow_header(app)
    return app, state, manifest


def install_allow_header(app: Starlette) -> None:
    """Error answers of the app's own routing (404, 405) as JSON; a 405 keeps its ``Allow`` header, which
    names every method the path supports (RFC 9110 15.5.6, routes.py)."""

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = "Method Not Allowed" if exc.status_code == 405 else exc.detail
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    app.add_exception_handler(StarletteHTTPException, handle)
