"""CarrierX Core API routes of one environment: endpoints (list, get, create, replace-update, delete), revocation.

Updates are ``PUT`` only: the seed allows "either PATCH or PUT", the sandbox chose PATCH, so here ``PATCH``
answers 405 with ``Allow``. Create answers 200 (documented), DELETE 204, bodies need
``Content-Type: application/json`` (415), undecodable JSON is 400, validation 422, unknown SID 404.
"""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.altvendor.bearer import MANAGE, OAUTH_MANAGE, READ, authorize
from tests.altvendor.control import Control
from tests.altvendor.endpoints import EndpointStore, apply, problems_in
from tests.altvendor.listing import apply_filter, apply_order, envelope, page_params
from tests.altvendor.responses import Refused, json_response, media_type, problem
from tests.altvendor.tokens import TokenRegistry


class Core:
    """Handlers bound to one environment's store; every handler authorizes before it reads anything."""

    def __init__(self, control: Control, registry: TokenRegistry, store: EndpointStore, client_id: str) -> None:
        self.control, self.registry, self.store, self.client_id = control, registry, store, client_id

    def _authorize(self, request: Request, scopes: tuple[str, ...]) -> None:
        authorize(self.control, self.registry, self.store.env, request, scopes)

    async def _body(self, request: Request) -> dict[str, Any]:
        if media_type(request) != "application/json":
            raise Refused(problem(415, "send the body as application/json"))
        try:
            body = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise Refused(problem(400, "the body is not valid JSON")) from exc
        if not isinstance(body, dict):
            raise Refused(problem(422, "the body must be a JSON object", errors=[{"pointer": "", "detail": "object"}]))
        errors = problems_in(body, self.store.partner_sid)
        if errors:
            raise Refused(problem(422, "object validation error", errors=errors))
        return body

    def _find(self, sid: str) -> dict[str, Any]:
        endpoint = self.store.items.get(sid)
        if endpoint is None:
            raise Refused(problem(404, "cannot find item by SID", errors=[{"parameter": "endpoint_sid"}]))
        return endpoint

    async def collection(self, request: Request) -> Response:
        if request.method == "POST":
            return await self.create(request)
        self._authorize(request, READ)
        limit, offset = page_params(request)
        raw_filter = request.query_params.get("filter")
        with self.control.lock:
            items = [dict(e) for e in self.store.items.values()]
            stale = self.store.deleted if self.control.has("list-total-stale") else 0
        chosen = apply_order(
            apply_filter(items, raw_filter) if raw_filter else items, request.query_params.get("order")
        )
        total = None if raw_filter else len(chosen) + stale
        return json_response(envelope(chosen, limit, offset, total, len(chosen) + stale))

    async def create(self, request: Request) -> Response:
        self._authorize(request, MANAGE)
        body = await self._body(request)
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.control.now()))
        with self.control.lock:
            endpoint = self.store.new(body.get("type", "third_party"), "Untitled endpoint", when)
            apply(endpoint, body)
            return json_response(endpoint)  # documented: 200, not 201

    async def item(self, request: Request) -> Response:
        sid = request.path_params["endpoint_sid"]
        if request.method in ("GET", "HEAD"):
            self._authorize(request, READ)
            with self.control.lock:
                return json_response(self._find(sid))
        self._authorize(request, MANAGE)
        if request.method == "DELETE":
            with self.control.lock:
                self._find(sid)
                del self.store.items[sid]
                self.store.deleted += 1
            return Response(status_code=204)
        with self.control.lock:
            self._find(sid)
        body = await self._body(request)
        with self.control.lock:
            endpoint = self._find(sid)
            if "type" in body and body["type"] != endpoint["type"]:
                raise Refused(problem(409, "an endpoint's type is fixed at creation"))
            apply(endpoint, body)
            return json_response(endpoint)

    async def revoke(self, request: Request) -> Response:
        authorize(self.control, self.registry, self.store.env, request, OAUTH_MANAGE)
        if not self.registry.revoke(self.store.env, self.client_id, request.path_params["token_sid"]):
            raise Refused(problem(404, "cannot find item by SID", errors=[{"parameter": "token_sid"}]))
        return Response(status_code=204)

    def routes(self) -> list[Route]:
        return [
            Route("/endpoints", self.collection, methods=["GET", "POST"]),
            Route("/endpoints/{endpoint_sid}", self.item, methods=["GET", "PUT", "DELETE"]),
            Route("/oauth/tokens/{token_sid}", self.revoke, methods=["DELETE"]),
        ]
