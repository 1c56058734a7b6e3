"""Security schemes as the contract declares them: what a credential must hold and where it is sent.

The engine has one mechanism per kind of scheme (an API key or an id + secret pair of API keys, OAuth2,
HTTP Basic, a static Bearer token) and learns everything else from the OpenAPI ``securitySchemes``: header
and parameter names, flows, token URLs, scopes. Facts OpenAPI cannot state come from documented
``x-apiconform-*`` extensions (ARCHITECTURE.md, "Contract extensions").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from apiconform.contracts.loader import load_api

JSON = dict[str, Any]
Kind = Literal["api_key", "oauth2", "basic", "bearer"]
SECRET_FIELDS = frozenset({"client_secret", "password", "token"})
FLOW_NAMES = {"clientCredentials": "client_credentials", "password": "password"}


@dataclass(frozen=True)
class ApiKey:
    """One API key: sent under ``name`` in a header, query parameter or cookie, fed by credential ``field``."""

    key: str
    name: str
    location: str
    field: str
    secret: bool
    source: str = ""


@dataclass(frozen=True)
class Flow:
    """One OAuth2 flow: its grant, token URL (absolute or relative), scopes and where expiry is read."""

    grant: str
    token_url: str
    scopes: tuple[str, ...]
    expiry_field: str | None = None


@dataclass(frozen=True)
class Security:
    """The scheme kind an API's operations use, with everything needed to present a credential."""

    kind: Kind
    api_keys: tuple[ApiKey, ...] = ()
    flows: dict[str, Flow] = field(default_factory=dict)
    source: str = ""

    @property
    def id_key(self) -> ApiKey | None:
        """The identifying half of an id + secret pair (None for a lone key)."""
        return next((k for k in self.api_keys if not k.secret), None)

    @property
    def secret_key(self) -> ApiKey | None:
        return next((k for k in self.api_keys if k.secret), None)

    @property
    def scopes(self) -> list[str]:
        return sorted({scope for flow in self.flows.values() for scope in flow.scopes})


def schemes(api: str) -> JSON:
    components: JSON = load_api(api).bundled.get("components", {})
    found: JSON = components.get("securitySchemes", {})
    return found


def default_requirement(api: str) -> list[str]:
    """The scheme keys of the API's usual requirement: the document's, else its first protected operation's."""
    bundled = load_api(api).bundled
    for requirement in bundled.get("security") or []:
        if requirement:
            return list(requirement)
    for _, _, operation in load_api(api).operations():
        for requirement in operation.get("security") or []:
            if requirement:
                return list(requirement)
    return []


def _api_keys(declared: JSON, keys: list[str]) -> tuple[ApiKey, ...]:
    """The API keys of a requirement; in a pair, the one marked (or named) secret, else the second, is the secret."""
    chosen = [(key, declared[key]) for key in keys if declared.get(key, {}).get("type") == "apiKey"]
    any_marked = any(_marked_secret(scheme) for _, scheme in chosen)
    out = []
    for position, (key, scheme) in enumerate(chosen):
        if len(chosen) == 1:
            secret = True
        elif any_marked:
            secret = _marked_secret(scheme)
        else:
            secret = position == len(chosen) - 1
        credential = str(scheme.get("x-apiconform-credential", key))
        out.append(ApiKey(key, str(scheme["name"]), str(scheme.get("in", "header")), credential, secret, _src(scheme)))
    return tuple(out)


def _marked_secret(scheme: JSON) -> bool:
    credential = str(scheme.get("x-apiconform-credential", ""))
    return bool(scheme.get("x-apiconform-secret")) or credential in SECRET_FIELDS


def _src(scheme: JSON) -> str:
    return str(scheme.get("x-source", ""))


def _flows(scheme: JSON) -> dict[str, Flow]:
    out = {}
    for name, flow in (scheme.get("flows") or {}).items():
        if name in FLOW_NAMES and flow.get("tokenUrl"):
            out[FLOW_NAMES[name]] = Flow(
                FLOW_NAMES[name],
                str(flow["tokenUrl"]),
                tuple(sorted(flow.get("scopes") or {})),
                flow.get("x-apiconform-expiry-field"),
            )
    return out


def security(api: str) -> Security | None:
    """The API's security as a kind plus its parts, or None when its operations need no credential."""
    declared = schemes(api)
    keys = [k for k in default_requirement(api) if k in declared]
    if not keys:
        return None
    types = {declared[k].get("type") for k in keys}
    first = declared[keys[0]]
    if "oauth2" in types:
        scheme = next(declared[k] for k in keys if declared[k].get("type") == "oauth2")
        return Security("oauth2", flows=_flows(scheme), source=_src(scheme))
    if "apiKey" in types:
        return Security("api_key", api_keys=_api_keys(declared, keys), source=_src(first))
    if first.get("type") == "http" and str(first.get("scheme", "")).lower() == "bearer":
        return Security("bearer", source=_src(first))
    if first.get("type") == "http" and str(first.get("scheme", "")).lower() == "basic":
        return Security("basic", source=_src(first))
    return None


def credential_fields(api: str) -> list[str]:
    """The credential fields a target may configure for this API (beyond the generic ones): each API key's
    field (its ``x-apiconform-credential``, else its scheme's key) or the parameter name it travels under."""
    found = security(api)
    return [f for k in found.api_keys for f in (k.field, k.name)] if found else []


def credential_names(api: str) -> list[tuple[str, str]]:
    """(location, name) of every credential the API's schemes declare, for redirect stripping and identity."""
    out = [("header", "authorization"), ("header", "cookie")]
    for scheme in schemes(api).values():
        if scheme.get("type") == "apiKey":
            out.append((str(scheme.get("in", "header")), str(scheme["name"]).lower()))
    return out
