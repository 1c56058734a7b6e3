"""Refuse a request from anywhere in a handler by raising its prepared response."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response


class Refusal(Exception):
    """Carries the exact response (status, body, headers) the documentation prescribes."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def install_refusal_handler(app: Starlette) -> None:
    async def handle(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refusal)
        return exc.response

    app.add_exception_handler(Refusal, handle)
