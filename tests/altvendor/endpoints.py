"""CarrierX Core endpoint objects: deterministic fixtures, body validation and updates.

Documented: read-only ``endpoint_sid, cps_limit, voip_token``; settable ``name, addresses, attributes,
capacity, out_sip_username, out_sip_password, partner_sid, properties, transformations, type``. Undocumented
choices that differ from the sandbox: read-only attributes in a body are ignored (the sandbox answers 422),
numbers must be JSON integers (1.0 is refused), changing ``type`` is a 409 conflict, and every object carries
an extra ``date_created``.
"""

from __future__ import annotations

import copy
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TYPES = ("conference", "conference_playback", "conference_v2", "flexml", "mediator", "third_party")
HOSTED = frozenset({"conference", "conference_v2", "flexml", "mediator"})
READ_ONLY = frozenset({"endpoint_sid", "cps_limit", "voip_token", "date_created"})
SETTABLE = frozenset(
    {"name", "addresses", "attributes", "capacity", "out_sip_username", "out_sip_password"}
    | {"partner_sid", "properties", "transformations", "type"}
)
SYSTEM_PROPERTIES = ("account_sid", "container_sid", "login", "password")
_NAMESPACE = uuid.UUID("6f1c9a52-8d0e-4c55-9a8e-2b7f3d1e0c44")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _objects(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def _text_or_null(value: Any) -> bool:
    return value is None or isinstance(value, str)


CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "name": (lambda v: isinstance(v, str), "must be a string"),
    "type": (lambda v: v in TYPES, f"must be one of {', '.join(TYPES)}"),
    "capacity": (lambda v: _is_int(v) and 0 <= v <= 2**31 - 1, "must be a non-negative integer"),
    "attributes": (
        lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
        "must be an object of strings",
    ),
    "addresses": (_objects, "must be an array of objects"),
    "transformations": (_objects, "must be an array of objects"),
    "properties": (
        lambda v: isinstance(v, dict) and all(isinstance(v.get(k, ""), str) for k in SYSTEM_PROPERTIES),
        "must be an object",
    ),
    "out_sip_username": (_text_or_null, "must be a string or null"),
    "out_sip_password": (_text_or_null, "must be a string or null"),
    "partner_sid": (lambda v: isinstance(v, str), "must be a string"),
}


@dataclass
class EndpointStore:
    """One environment's endpoints, newest last; ``deleted`` counts removals (only a regression reads it)."""

    env: str
    partner_sid: str
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    created: int = 0
    deleted: int = 0

    def next_sid(self) -> str:
        self.created += 1
        return str(uuid.uuid5(_NAMESPACE, f"{self.env}/endpoint/{self.created}"))

    def new(self, endpoint_type: str, name: str, when: str) -> dict[str, Any]:
        sid = self.next_sid()
        endpoint: dict[str, Any] = {
            "endpoint_sid": sid,
            "name": name,
            "type": endpoint_type,
            "partner_sid": self.partner_sid,
            "capacity": 0,
            "cps_limit": 10,
            "voip_token": f"vt_{sid[:8]}" if endpoint_type == "third_party" else None,
            "addresses": [],
            "attributes": {},
            "out_sip_username": None,
            "out_sip_password": None,
            "properties": {},
            "transformations": [],
            "date_created": when,
        }
        if endpoint_type in HOSTED:
            endpoint["properties"] = {
                "account_sid": str(uuid.uuid5(_NAMESPACE, f"{sid}/account")),
                "container_sid": str(uuid.uuid5(_NAMESPACE, f"{sid}/container")),
                "login": f"{endpoint_type}-{sid[:6]}",
                "password": secrets.token_urlsafe(12),
            }
        self.items[sid] = endpoint
        return endpoint


def problems_in(body: dict[str, Any], partner_sid: str) -> list[dict[str, str]]:
    """RFC 9457-style ``errors`` entries (JSON Pointer + detail); read-only keys are skipped, not refused."""
    found: list[dict[str, str]] = []
    for key, value in body.items():
        if key in READ_ONLY:
            continue
        if key not in SETTABLE:
            found.append({"pointer": f"/{key}", "detail": "unknown attribute"})
        elif not CHECKS[key][0](value):
            found.append({"pointer": f"/{key}", "detail": CHECKS[key][1]})
        elif key == "partner_sid" and value != partner_sid:
            found.append({"pointer": "/partner_sid", "detail": "not a partner this account may use"})
    return found


def apply(endpoint: dict[str, Any], body: dict[str, Any]) -> None:
    """Write settable attributes; a hosted endpoint keeps its system-issued properties whatever is sent."""
    for key, value in body.items():
        if key not in SETTABLE or key == "type":
            continue
        if key == "properties":
            kept = {k: endpoint["properties"][k] for k in SYSTEM_PROPERTIES if k in endpoint["properties"]}
            endpoint["properties"] = copy.deepcopy(value) | (kept if endpoint["type"] in HOSTED else {})
        else:
            endpoint[key] = copy.deepcopy(value)


def provision(env: str) -> EndpointStore:
    """Deterministic per environment: production has fewer endpoints and other names than the sandbox."""
    store = EndpointStore(env, str(uuid.uuid5(_NAMESPACE, f"{env}/partner")))
    hosted = ("conference", "conference_v2", "flexml", "mediator", "conference_playback")
    count = 18 if env == "sandbox" else 7
    for i, endpoint_type in enumerate(hosted + ("third_party",) * count):
        endpoint = store.new(endpoint_type, f"{env[:4]}-{endpoint_type}-{i:02d}", f"2024-02-{1 + i:02d}T08:30:00Z")
        if endpoint_type == "third_party":
            endpoint["capacity"] = 5 * (i % 5)
            endpoint["attributes"] = {"region": "east" if i % 2 else "west"}
    store.deleted = 2  # two archived endpoints the stale counter of ``list-total-stale`` still remembers
    return store
