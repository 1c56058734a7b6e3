"""Field paths (``$``, ``$.account``, ``$[].accountId``) and what the contract documents at each.

One spelling for the recorder and the contract walk, so an observed path and a documented one compare
as strings. The contract walk follows local ``$ref`` and merges ``allOf`` / ``anyOf`` / ``oneOf``
branches: drift asks "does the contract know this field, which types and values does it allow", not
"is this body valid" (the contract suite answers that).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from apiconform.contracts.refs import deref

ROOT = "$"
ITEMS = "[]"
ANY_KEY = ".*"  # every key of a map the contract leaves open
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
MAX_DEPTH = 12
JSON_TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")


def child(path: str, key: str) -> str:
    return f"{path}.{key}" if _PLAIN.match(key) else f'{path}["{key}"]'


def items(path: str) -> str:
    return path + ITEMS


def parent(path: str) -> str | None:
    """The path one level up (``$[].a`` -> ``$[]``, ``$[]`` -> ``$``); None for the root."""
    if path == ROOT:
        return None
    if path.endswith(ITEMS):
        return path[: -len(ITEMS)]
    if path.endswith(ANY_KEY):
        return path[: -len(ANY_KEY)]
    if path.endswith('"]'):
        return path[: path.rindex('["')]
    return path[: path.rindex(".")]


def json_type(value: Any) -> str:
    """The JSON Schema type of a decoded value (an integral float is still a number: it was sent as one)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


@dataclass
class Documented:
    """What the contract says of one path: the types it allows (empty: any) and its enum, if any."""

    types: set[str] = field(default_factory=set)
    enum: list[Any] | None = None
    open: bool = False  # an object whose properties the contract leaves open (no ``properties``)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"types": sorted(self.types)}
        if self.enum is not None:
            out["enum"] = self.enum
        return out


def _types_of(schema: dict[str, Any]) -> set[str]:
    declared = schema.get("type")
    types = {declared} if isinstance(declared, str) else set(declared or [])
    if schema.get("nullable") is True:  # OpenAPI 3.0 documents imported as they are
        types.add("null")
    if "const" in schema:
        types.add(json_type(schema["const"]))
    if "enum" in schema and not types:
        types |= {json_type(v) for v in schema["enum"]}
    return types


def documented_paths(document: dict[str, Any], schema: Any) -> dict[str, Documented]:
    """Every path the schema documents, with its allowed types and enum."""
    out: dict[str, Documented] = {}
    _walk(document, schema, ROOT, out, 0)
    return out


def _walk(document: dict[str, Any], schema: Any, path: str, out: dict[str, Documented], depth: int) -> None:
    schema = deref(document, schema)
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return
    entry = out.setdefault(path, Documented())
    entry.types |= _types_of(schema)
    values = schema.get("enum")
    if isinstance(values, list):
        entry.enum = [*(entry.enum or []), *(v for v in values if v not in (entry.enum or []))]
    elif "const" in schema:
        entry.enum = [*(entry.enum or []), schema["const"]]
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(keyword, []) or []:
            _walk(document, branch, path, out, depth + 1)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for key, sub in properties.items():
            _walk(document, sub, child(path, key), out, depth + 1)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) or extra is True or ("object" in entry.types and not isinstance(properties, dict)):
        entry.open = True  # a map: its keys are data (often echoed from the request), not field names
        if isinstance(extra, dict):
            _walk(document, extra, path + ANY_KEY, out, depth + 1)
    if "items" in schema:
        _walk(document, schema["items"], items(path), out, depth + 1)
