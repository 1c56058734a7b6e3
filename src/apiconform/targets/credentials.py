"""Credentials as they travel: headers and query parameters placed where the contract's scheme says.

``Presented`` is what a request carries to prove who it is. It is built from a role's credential values
and the API's ``Security`` (``apiconform.contracts.security``), never from names in code, so an API key
called ``X-Api-Key`` in a query string works the same as a client id + secret pair of headers.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apiconform.contracts.security import ApiKey, Security
from apiconform.errors import ConfigError
from apiconform.reporting.redaction import register_basic, register_secret


@dataclass(frozen=True)
class Presented:
    """Credential parts of one request; ``renew`` gives fresh ones after a 401 (a cached token expired early)
    from ``renew_in``, the environment that issued them: a 401 from another environment is the refusal a test
    asks for, and renewing there would only spend a token request and a retry."""

    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    renew: Callable[[], Presented] | None = field(default=None, compare=False, repr=False)
    renew_in: str | None = field(default=None, compare=False, repr=False)

    def merged(
        self, headers: dict[str, str] | None, query: dict[str, Any] | None
    ) -> tuple[dict[str, str], dict[str, Any]]:
        """Request headers and query with these credentials replacing any generated values of the same name."""
        own = {k.lower() for k in self.headers}
        out_headers = {k: v for k, v in (headers or {}).items() if k.lower() not in own}
        return {**out_headers, **self.headers}, {**(query or {}), **self.query}


NONE = Presented()


def basic_header(username: str, password: str) -> str:
    """``Authorization: Basic ...`` (RFC 7617), with both the pair and its encoding registered as secrets."""
    register_basic(username, password)
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def bearer(token: str) -> Presented:
    register_secret(token)
    return Presented(headers={"Authorization": f"Bearer {token}"})


def place(keys: dict[ApiKey, str]) -> Presented:
    """API key values placed in the header, query parameter or cookie their scheme declares."""
    headers: dict[str, str] = {}
    query: dict[str, str] = {}
    cookies: list[str] = []
    for key, value in keys.items():
        if key.location == "query":
            query[key.name] = value
        elif key.location == "cookie":
            cookies.append(f"{key.name}={value}")
        else:
            headers[key.name] = value
    if cookies:
        headers["Cookie"] = "; ".join(cookies)
    return Presented(headers=headers, query=query)


def api_keys(security: Security, credential: dict[str, str], role: str) -> Presented:
    """A role's API key(s) for an ``api_key`` API; a missing field is a configuration error naming it."""
    return place({key: credential[field_of(key, credential, role)] for key in security.api_keys})


def field_of(key: ApiKey, credential: dict[str, str], role: str) -> str:
    """The credential field feeding an API key: its declared field, else the parameter's own name."""
    for field_name in (key.field, key.name):
        if field_name in credential:
            return field_name
    raise ConfigError(
        f"credential {role!r} has no field {key.field!r} (the {key.location} {key.name!r} of the contract); "
        f'add {key.field} = "<ENV VAR>" to it in apiconform.toml'
    )


def basic(credential: dict[str, str], role: str) -> Presented:
    missing = [f for f in ("username", "password") if f not in credential]
    if missing:
        raise ConfigError(
            f"credential {role!r} needs {' and '.join(missing)} for HTTP Basic; add them in apiconform.toml"
        )
    return Presented(headers={"Authorization": basic_header(credential["username"], credential["password"])})


def static_bearer(credential: dict[str, str], role: str) -> Presented:
    if "token" not in credential:
        raise ConfigError(f'credential {role!r} needs a token field for the Bearer scheme; add token = "<ENV VAR>"')
    return bearer(credential["token"])
