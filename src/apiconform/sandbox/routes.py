"""A vendor API's routes: a decorator per method, Starlette's plain routing underneath.

Every sandbox handler takes the request and string path parameters and returns a finished response, so
FastAPI (which the sandbox used to run on) bought nothing per request but cost most of its time: dependency
solving, a thread pool for ``def`` handlers, a flat list of every included router's routes. Here each path
is one Starlette ``Route`` holding all its methods (a 405 then names them all, RFC 9110 15.5.6), handlers
run on the event loop (they only touch memory), and each API is one ``Mount``: the app's exception handlers
still apply, and a path is matched within its API only.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

Handler = Callable[..., Response | Awaitable[Response]]


class _PathRoute(Route):
    """One path, a handler per method (called with ``request=`` and the path parameters by name); any other
    method is a 405 naming the ones there are."""

    def __init__(self, path: str) -> None:
        self.handlers: dict[str, Handler] = {}
        super().__init__(path, self._endpoint)
        self.app: ASGIApp = self._asgi
        self.methods: set[str] = set()

    def add(self, method: str, handler: Handler) -> None:
        self.handlers[method] = handler
        self.methods.add(method)

    async def _endpoint(self, request: Request) -> Response:  # pragma: no cover - replaced by _asgi
        raise NotImplementedError

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        handler = self.handlers[request.method]
        result = handler(request=request, **request.path_params)
        response = await result if inspect.isawaitable(result) else result
        await response(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in self.methods:
            raise HTTPException(405, headers={"Allow": ", ".join(sorted(self.methods))})
        await self.app(scope, receive, send)


class _ApiMount(Mount):
    """A ``Mount`` whose rest of path may hold any decoded character: Starlette's ``.*`` stops at a newline, so
    ``/tests/AC01SB01%0A`` would be an unknown path (404) instead of the bad test id (400) the vendor answers."""

    def __init__(self, prefix: str, routes: list[BaseRoute]) -> None:
        super().__init__(prefix, routes=routes)
        self.path_regex = re.compile(self.path_regex.pattern, re.DOTALL)


class Routes:
    """``routes.get("/path")`` decorates ``handler(request, **path_params)``; ``mount`` puts them under a prefix."""

    def __init__(self) -> None:
        self._paths: dict[str, _PathRoute] = {}

    def _on(self, method: str, path: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            if "request" not in inspect.signature(handler).parameters:
                raise TypeError(f"sandbox handler {handler.__name__} must take a 'request' parameter")
            self._paths.setdefault(path, _PathRoute(path)).add(method, handler)
            return handler

        return register

    def get(self, path: str) -> Callable[[Handler], Handler]:
        return self._on("GET", path)

    def post(self, path: str) -> Callable[[Handler], Handler]:
        return self._on("POST", path)

    def put(self, path: str) -> Callable[[Handler], Handler]:
        return self._on("PUT", path)

    def patch(self, path: str) -> Callable[[Handler], Handler]:
        return self._on("PATCH", path)

    def delete(self, path: str) -> Callable[[Handler], Handler]:
        return self._on("DELETE", path)

    def mount(self, app: Starlette, prefix: str) -> None:
        """Add these routes to ``app`` under ``prefix``."""
        app.router.routes.append(_ApiMount(prefix, list(self._paths.values())))
