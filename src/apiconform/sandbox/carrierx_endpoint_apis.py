"""CarrierX endpoint APIs (Conference, FlexML, Mediator): HTTP Basic with an endpoint's own login/password.

Seed 002 (002_21c12c8c54fabbce.txt): "Basic HTTP authentication with login and password, used by the requests
to the endpoint APIs"; "Each of the application endpoints has different login and password values"; and
"Entering the Core API token credentials instead of the endpoint-specific credentials ... will return the
unauthorized error". Item shapes are assumed (ARCHITECTURE.md: "shapes assumed"); the challenge is RFC 7617's.
"""

from __future__ import annotations

import copy
import secrets

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from apiconform.sandbox.basic_auth import bearer_token, parse_basic
from apiconform.sandbox.carrierx_listing import DEFAULT_LIMIT, envelope
from apiconform.sandbox.carrierx_tokens import candidate_stores, find_token
from apiconform.sandbox.fixtures_carrierx import ENDPOINT_APIS, stores_of
from apiconform.sandbox.gateway import challenge
from apiconform.sandbox.routes import Routes
from apiconform.sandbox.state import Environment, SandboxState

BASIC = 'Basic realm="carrierx"'
PATHS = {"carrierx-conference": "/meetings", "carrierx-flexml": "/calls", "carrierx-mediator": "/bindings"}


def _basic_ok(state: SandboxState, env: Environment, api: str, authorization: str | None) -> bool:
    """Basic login of an endpoint of this API's type (this environment unless the defect widens it)."""
    parsed = parse_basic(authorization)
    if parsed is None:
        return False
    login, password = (part.encode() for part in parsed)
    types = ENDPOINT_APIS[api][1]
    with state.lock:
        for store in candidate_stores(state, env):
            for endpoint in store.endpoints.values():
                props = endpoint["properties"]
                if endpoint["type"] not in types or not isinstance(props.get("login"), str):
                    continue
                if not secrets.compare_digest(props["login"].encode(), login):
                    continue
                if secrets.compare_digest(str(props.get("password", "")).encode(), password):
                    return True
                if state.has("secret-not-checked"):
                    return True
    return False


def authenticated(state: SandboxState, env: Environment, api: str, authorization: str | None) -> bool:
    """Only an endpoint's Basic login; a Core token only with ``core-token-accepted-on-endpoint-api``."""
    if state.has("auth-ignored"):
        return True
    token = bearer_token(authorization)
    if token and state.has("core-token-accepted-on-endpoint-api") and find_token(state, env, token) is not None:
        return True
    return _basic_ok(state, env, api, authorization)


def unauthorized(state: SandboxState) -> JSONResponse:
    """error.json#/$defs/unauthorized with the RFC 7617 challenge (realm required)."""
    body = {"message": "unauthorized", "errors": [{"message": "wrong or missing endpoint credentials"}]}
    return JSONResponse(body, status_code=401, headers=challenge(state, BASIC))


def _mount_one(app: Starlette, state: SandboxState, env: Environment, api: str) -> None:
    router = Routes()

    @router.get(PATHS[api])
    def list_items(request: Request) -> Response:
        if not authenticated(state, env, api, request.headers.get("authorization")):
            return unauthorized(state)
        with state.lock:
            items = copy.deepcopy(stores_of(state)[env].records[api])
        return JSONResponse(envelope(state, request, items, DEFAULT_LIMIT, 0))

    router.mount(app, f"/{env}/{api}")


def mount(app: Starlette, state: SandboxState, env: Environment) -> list[str]:
    """Mount the three endpoint APIs under ``/{env}/carrierx-{conference,flexml,mediator}``."""
    for api in ENDPOINT_APIS:
        _mount_one(app, state, env, api)
    return list(ENDPOINT_APIS)
