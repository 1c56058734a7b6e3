"""HTTP Basic credentials (RFC 7617), parsed leniently: a malformed header is simply no credentials."""

from __future__ import annotations

import base64
import binascii
import secrets


def parse_basic(authorization: str | None) -> tuple[str, str] | None:
    if not authorization:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def basic_matches(authorization: str | None, login: str, password: str) -> bool:
    parsed = parse_basic(authorization)
    if parsed is None:
        return False
    return secrets.compare_digest(parsed[0], login) and secrets.compare_digest(parsed[1], password)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header (RFC 6750 2.1), or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None
