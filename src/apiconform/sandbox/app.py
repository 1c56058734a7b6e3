"""The sandbox application factory: state, provisioning, and every API mounted per environment."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

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
    install_allow_header(app)
    return app, state, manifest


def install_allow_header(app: FastAPI) -> None:
    """405 answers list every method the path supports (RFC 9110 15.5.6), not only the first route's."""

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code != 405:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        methods: set[str] = set()
        for route in app.routes:
            if isinstance(route, APIRoute) and route.path_regex.match(request.url.path):
                methods |= route.methods or set()
        return JSONResponse(
            {"detail": "Method Not Allowed"}, status_code=405, headers={"Allow": ", ".join(sorted(methods))}
        )

    app.add_exception_handler(StarletteHTTPException, handle)
