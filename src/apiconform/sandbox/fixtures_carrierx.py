"""CarrierX data of one sandbox instance: the partner, its tokens, endpoints and the endpoint APIs' records.

Seed 002 (002_21c12c8c54fabbce.txt): a partner gets Core API tokens ("create a security token") and reads
from Core "the endpoint login credentials for Conference, FlexML, and Mediator"; "Each of the application
endpoints has different login and password values". So every environment holds one partner and one hosted
endpoint per endpoint API, whose ``properties.login``/``password`` are that API's Basic credentials, plus
enough ``third_party`` endpoints that the default page of 10 (vendor-facts.md) has more to come.
All secrets are random per start and differ per environment.
"""

from __future__ import annotations

import secrets
import uuid
import weakref
from dataclasses import dataclass, field
from typing import Any

from apiconform.sandbox.provisioning import Credential, KnownInput
from apiconform.sandbox.state import Environment, SandboxState

SCOPES: tuple[str, ...] = ("endpoints.read", "endpoints.manage", "oauth.manage")
TOKEN_LIFETIME_S = 3600
REFRESH_LIFETIME_S = 30 * 24 * 3600
THIRD_PARTY_COUNT = 12
# endpoint API -> (its role in the manifest, the endpoint types whose credentials it accepts, fixture type)
ENDPOINT_APIS: dict[str, tuple[str, frozenset[str], str]] = {
    "carrierx-conference": ("conference", frozenset({"conference", "conference_v2"}), "conference"),
    "carrierx-flexml": ("flexml", frozenset({"flexml"}), "flexml"),
    "carrierx-mediator": ("mediator", frozenset({"mediator"}), "mediator"),
}
HOSTED_TYPES = frozenset({"conference", "conference_v2", "flexml", "mediator"})
API_OF_TYPE = {t: api for api, (_, types, _) in ENDPOINT_APIS.items() for t in types}


@dataclass(frozen=True)
class Partner:
    """The CarrierX account whose login gets Core tokens (seed 002: "obtaining a CarrierX account")."""

    username: str
    password: str
    partner_sid: str
    client_id: str


@dataclass
class Token:
    """One OAuth token (vendor-facts.md: the OAuth Token object); times are sandbox-clock seconds."""

    token_sid: str
    access_token: str
    refresh_token: str
    partner_sid: str
    client_id: str
    scopes: tuple[str, ...]
    environment: Environment
    created: float
    expires: float
    refresh_expires: float
    name: str = "default"
    revoked: bool = False
    last_accessed: float | None = None
    ip_last_accessed: str | None = None


@dataclass
class CarrierxStore:
    """Everything CarrierX remembers for one environment; guarded by ``SandboxState.lock``."""

    env: Environment
    partner: Partner
    tokens: dict[str, Token] = field(default_factory=dict)  # access_token -> token
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)  # endpoint_sid -> stored endpoint
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # endpoint API -> its items


_STORES: weakref.WeakKeyDictionary[SandboxState, dict[Environment, CarrierxStore]] = weakref.WeakKeyDictionary()


def stores_of(state: SandboxState) -> dict[Environment, CarrierxStore]:
    """The CarrierX stores of one sandbox instance, by environment (cross-environment checks need both)."""
    with state.lock:
        return _STORES.setdefault(state, {})


def new_endpoint(partner_sid: str, endpoint_type: str, name: str) -> dict[str, Any]:
    """An endpoint with every documented attribute; unset values as the schema's defaults (endpoint.json)."""
    endpoint: dict[str, Any] = {
        "addresses": [],
        "attributes": {},
        "capacity": 0,
        "cps_limit": 0,
        "endpoint_sid": str(uuid.uuid4()),
        "name": name,
        "out_sip_password": None,
        "out_sip_username": None,
        "partner_sid": partner_sid,
        "properties": {},
        "transformations": [],
        "type": endpoint_type,
        "voip_token": None,
    }
    if endpoint_type in HOSTED_TYPES:
        endpoint["properties"] = hosted_properties(endpoint_type)
    return endpoint


def hosted_properties(endpoint_type: str) -> dict[str, str]:
    """System-issued properties of a hosted endpoint; ``api_url`` is filled in per request (loopback URL)."""
    return {
        "account_sid": str(uuid.uuid4()),
        "container_sid": str(uuid.uuid4()),
        "login": f"{endpoint_type}_{secrets.token_hex(4)}",
        "password": secrets.token_urlsafe(18),
    }


def _records(api: str, count: int = 3) -> list[dict[str, Any]]:
    """Minimal items of the endpoint APIs (conference-meeting, flexml-call, mediator-binding .json)."""
    out: list[dict[str, Any]] = []
    for i in range(count):
        if api == "carrierx-conference":
            out.append(
                {
                    "meeting_sid": str(uuid.uuid4()),
                    "name": f"meeting {i + 1}",
                    "date_created": "2024-05-02T10:15:30.000Z",
                }
            )
        elif api == "carrierx-flexml":
            out.append({"call_sid": str(uuid.uuid4()), "from": f"1516206557{i}", "to": f"1516206558{i}"})
        else:
            out.append({"binding_sid": str(uuid.uuid4()), "side_a": f"1516206557{i}", "side_b": f"1516206558{i}"})
    return out


def provision(state: SandboxState, env: Environment) -> CarrierxStore:
    """A fresh partner, hosted endpoints and third-party endpoints for one environment."""
    partner = Partner(
        f"partner_{env}_{secrets.token_hex(3)}",
        secrets.token_urlsafe(18),
        str(uuid.uuid4()),
        uuid.uuid4().hex,
    )
    store = CarrierxStore(env, partner)
    for api, (role, _, endpoint_type) in ENDPOINT_APIS.items():
        endpoint = new_endpoint(partner.partner_sid, endpoint_type, f"{role}_{env}")
        store.endpoints[endpoint["endpoint_sid"]] = endpoint
        store.records[api] = _records(api)
    for i in range(THIRD_PARTY_COUNT):
        endpoint = new_endpoint(partner.partner_sid, "third_party", f"trunk_{i:02d}")
        endpoint["capacity"] = 10 * (i % 4)
        endpoint["attributes"] = {"team": "voice" if i % 2 else "data"}
        store.endpoints[endpoint["endpoint_sid"]] = endpoint
    with state.lock:
        stores_of(state)[env] = store
    return store


def credentials(store: CarrierxStore) -> dict[str, Credential]:
    """Manifest roles: ``partner`` (Core token login) and one Basic login per endpoint API."""
    roles: dict[str, Credential] = {"partner": {"username": store.partner.username, "password": store.partner.password}}
    for role, _, endpoint_type in ENDPOINT_APIS.values():
        endpoint = next(e for e in store.endpoints.values() if e["type"] == endpoint_type)
        roles[role] = {
            "username": endpoint["properties"]["login"],
            "password": endpoint["properties"]["password"],
        }
    return roles


def known_inputs(store: CarrierxStore) -> dict[str, dict[str, list[KnownInput]]]:
    """Inputs that find real records: an existing endpoint, a page size, a filter that matches."""
    third_party = [e for e in store.endpoints.values() if e["type"] == "third_party"]
    hosted = next(e for e in store.endpoints.values() if e["type"] == "conference")
    return {
        "carrierx-core": {
            "getEndpoint": [{"path_parameters": {"endpoint_sid": e["endpoint_sid"]}} for e in (hosted, third_party[0])],
            "updateEndpoint": [
                {
                    "path_parameters": {"endpoint_sid": third_party[-1]["endpoint_sid"]},
                    "body": {"name": third_party[-1]["name"]},
                }
            ],
            "listEndpoints": [
                {"query": {"limit": 5}},
                {"query": {"filter": "type eq third_party", "limit": 5}},
            ],
        }
    }
