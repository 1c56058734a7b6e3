"""Response shapes of the alt vendor: RFC 9457 problems (Core), an ``errors`` list (AT&T), OAuth errors.

The sandbox answers ``{"message": ...}`` (Core, AT&T) and a gateway body on 401; this vendor picks other
shapes the documentation equally allows. Handlers raise ``Refused`` and one exception handler renders it, so
no handler can forget a header.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

JSON = "application/json;charset=UTF-8"
PROBLEM = "application/problem+json"


class Refused(Exception):
    """A finished refusal; raised anywhere in a handler, rendered by ``render_refusal``."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None, media: str = JSON) -> Response:
    """Compact JSON with an explicit charset (the sandbox sends plain ``application/json``)."""
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(raw, status_code=status, headers=headers, media_type=media)


def problem(status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> Response:
    """RFC 9457 problem details; ``type`` stays ``about:blank`` so ``title`` is the status phrase."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail, **extra}
    return json_response(body, status, headers, PROBLEM)


def att_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """AT&T refusals: ``{"errors": [{code, message}]}``; several problems become several entries."""
    return att_errors(status, [{"code": code, "message": message}], headers)


def att_errors(status: int, errors: list[dict[str, str]], headers: dict[str, str] | None = None) -> Response:
    return json_response({"errors": errors}, status, headers)


def oauth_error(status: int, code: str, description: str, headers: dict[str, str] | None = None) -> Response:
    """RFC 6749 5.2 body; token-host errors are never cached either (5.1 applies to them in practice)."""
    merged = {"Cache-Control": "no-store"} | (headers or {})
    return json_response({"error": code, "error_description": description}, status, merged)


async def render_refusal(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return exc.response


async def render_http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods as problems too (Starlette's default is plain text), keeping ``Allow``."""
    assert isinstance(exc, HTTPException)
    return problem(exc.status_code, exc.detail, dict(exc.headers or {}))


EXCEPTION_HANDLERS = {Refused: render_refusal, HTTPException: render_http_error}


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
