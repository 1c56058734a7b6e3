"""CarrierX Core API v2 (seed 002): OAuth tokens (password grant) and endpoints, behind scoped Bearer tokens.

Seed 002 (002_21c12c8c54fabbce.txt): "Bearer token, used by the requests to the Core API" and "the specific
requests are limited by the scopes associated with the OAuth token". The status codes, the list envelope and
the filter grammar follow vendor-facts.md (CarrierX); the challenges follow RFC 6750 3 and RFC 6749 5.
Operations, statuses and scopes: ARCHITECTURE.md "carrierx-core"; shapes: schemas/carrierx/*.json.

This module only wires the routes; the work is in carrierx_tokens.py (tokens, Bearer, scopes),
carrierx_endpoints.py (endpoint bodies and handlers) and carrierx_listing.py (limit/offset, filter, order).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from apiconform.sandbox import carrierx_endpoints, carrierx_tokens
from apiconform.sandbox.fixtures_carrierx import stores_of
from apiconform.sandbox.routes import Routes
from apiconform.sandbox.state import Environment, SandboxState

API = "carrierx-core"


def mount(app: Starlette, state: SandboxState, env: Environment) -> None:
    """Mount Core under ``/{env}/carrierx-core``."""
    router = Routes()
    store = stores_of(state)[env]

    @router.post("/oauth/token")
    async def create_token_route(request: Request) -> Response:
        return await carrierx_tokens.create_token(state, env, request)

    @router.delete("/oauth/tokens/{token_sid}")
    def revoke_token(token_sid: str, request: Request) -> Response:
        return carrierx_tokens.revoke_token(state, env, store, token_sid, request)

    @router.get("/endpoints")
    def list_endpoints(request: Request) -> Response:
        return carrierx_endpoints.list_endpoints(state, env, store, request)

    @router.post("/endpoints")
    async def create_endpoint(request: Request) -> Response:
        return await carrierx_endpoints.create_endpoint(state, env, store, request)

    @router.get("/endpoints/{endpoint_sid}")
    def get_endpoint(endpoint_sid: str, request: Request) -> Response:
        return carrierx_endpoints.get_endpoint(state, env, endpoint_sid, request)

    @router.patch("/endpoints/{endpoint_sid}")
    async def update_endpoint(endpoint_sid: str, request: Request) -> Response:
        return await carrierx_endpoints.update_endpoint(state, env, endpoint_sid, request)

    @router.delete("/endpoints/{endpoint_sid}")
    def delete_endpoint(endpoint_sid: str, request: Request) -> Response:
        return carrierx_endpoints.delete_endpoint(state, env, store, endpoint_sid, request)

    router.mount(app, f"/{env}/{API}")
