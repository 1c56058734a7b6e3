"""CarrierX Core's refusal bodies, shared by the token, endpoint and listing modules.

Two shapes, because Core answers in two vocabularies: its own ``carrierx/error.json`` (``{message, errors[]}``,
vendor-facts.md: the SDK reads an ``errors`` list) for endpoint and query problems, and
``common/oauth-error.json`` (RFC 6749 5.2, RFC 6750 3.1) for everything about tokens. ``media_type`` is the one
reading of ``Content-Type`` behind the form (createToken) and JSON (endpoints) checks.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse


def error(status: int, message: str, errors: list[dict[str, str]] | None = None) -> JSONResponse:
    """carrierx/error.json: {message, errors[]} (vendor-facts.md: the SDK reads an ``errors`` list)."""
    body: dict[str, Any] = {"message": message}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status)


def oauth_error(
    status: int, code: str, description: str, headers: dict[str, str] | None = None, scope: str | None = None
) -> JSONResponse:
    """common/oauth-error.json (RFC 6749 5.2, RFC 6750 3.1)."""
    body = {"error": code, "error_description": description}
    if scope is not None:
        body["scope"] = scope
    return JSONResponse(body, status_code=status, headers=headers)


def problem(field: str, message: str, reason: str) -> dict[str, str]:
    return {"field": field, "message": message, "reason": reason}


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
