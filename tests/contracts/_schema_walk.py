"""Walking JSON Schemas and OpenAPI documents for the generic contract self-tests.

The walkers know which keywords hold subschemas, so a property *named* ``examples`` or ``$ref`` inside
``properties`` is never mistaken for the keyword, and data under ``examples`` / ``enum`` / ``const`` is never
walked as schema. ``allowed_types`` computes, for one path inside an instance, a *superset* of the JSON
types the schema accepts there: any type outside it must make validation fail, which is what the strictness
property test relies on. Keywords that only narrow further (``not``, ``if``/``then``/``else``, ...) are
ignored, which keeps the answer a superset (sound) at the price of being less tight.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from apiconform.contracts.schema_walk import (
    LIST_KEYWORDS,
    MAP_KEYWORDS,
    ONE_KEYWORDS,
    escape,
    iter_document_schemas,
    iter_properties,
    iter_subschemas,
)

JSON = dict[str, Any]
Resolver = Any  # referencing's Resolver is not exported publicly
InstancePath = tuple[str | int, ...]

__all__ = ["LIST_KEYWORDS", "MAP_KEYWORDS", "ONE_KEYWORDS", "escape", "iter_properties", "iter_subschemas"]

ALL_TYPES = frozenset({"null", "boolean", "integer", "number", "string", "array", "object"})

# one representative value per JSON type: the replacements the strictness test draws from
CANDIDATES: tuple[tuple[str, Any], ...] = (
    ("null", None),
    ("boolean", True),
    ("integer", 0),
    ("number", 0.5),
    ("string", "x"),
    ("array", []),
    ("object", {}),
)

# a source the reader can follow without the registry: a standard or a link (registry ids: contracts.sources)
SOURCE_PATTERN = re.compile(r"(\bRFC\b|https?://)", re.IGNORECASE)


def iter_openapi_schemas(node: Any, pointer: str = "") -> Iterator[tuple[str, JSON]]:
    """The Schema Objects of an OpenAPI document: the package's walker, so self-tests and import agree."""
    return iter_document_schemas(node, pointer)


def iter_objects(node: Any, pointer: str = "") -> Iterator[tuple[str, JSON]]:
    """Every JSON object anywhere in a document, with its pointer (RFC 6901)."""
    if isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            yield from iter_objects(value, f"{pointer}/{escape(key)}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from iter_objects(item, f"{pointer}/{index}")


def iter_refs(node: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """Every ``$ref`` string anywhere in a JSON document: (pointer of the object holding it, the ref)."""
    for where, obj in iter_objects(node, pointer):
        if isinstance(obj.get("$ref"), str):
            yield where, obj["$ref"]


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The node a JSON Pointer names; ``KeyError`` when it points to nowhere."""
    node = document
    if pointer == "":
        return node
    for raw in pointer.lstrip("/").split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(pointer)
    return node


def instance_paths(instance: Any, prefix: InstancePath = ()) -> list[InstancePath]:
    """Every path below the root of an instance (inner and leaf nodes), depth first."""
    paths: list[InstancePath] = []
    children: list[tuple[str | int, Any]] = []
    if isinstance(instance, dict):
        children = list(instance.items())
    elif isinstance(instance, list):
        children = list(enumerate(instance))
    for key, value in children:
        paths.append((*prefix, key))
        paths.extend(instance_paths(value, (*prefix, key)))
    return paths


def replace_at(instance: Any, path: InstancePath, value: Any) -> Any:
    """A copy of ``instance`` with the node at ``path`` replaced by ``value``."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(instance, dict):
        copy_dict = dict(instance)
        copy_dict[head] = replace_at(instance[head], rest, value)
        return copy_dict
    copy_list = list(instance)
    copy_list[int(head)] = replace_at(instance[int(head)], rest, value)
    return copy_list


def json_types(value: Any) -> set[str]:
    """The JSON types a Python value has (an integral number is both integer and number)."""
    if value is None:
        return {"null"}
    if isinstance(value, bool):
        return {"boolean"}
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return {"integer", "number"}
    if isinstance(value, float):
        return {"number"}
    if isinstance(value, str):
        return {"string"}
    if isinstance(value, list):
        return {"array"}
    return {"object"}


def _own_types(schema: JSON) -> set[str] | None:
    """Types allowed by this node's own ``type`` / ``const`` / ``enum`` (None: no such keyword)."""
    result: set[str] | None = None
    if "type" in schema:
        declared = schema["type"]
        names = set(declared) if isinstance(declared, list) else {declared}
        result = _normalise(names)
    if "const" in schema:
        result = _intersect([result, json_types(schema["const"])])
    if isinstance(schema.get("enum"), list):
        union: set[str] = set()
        for value in schema["enum"]:
            union |= json_types(value)
        result = _intersect([result, union])
    return result


def _normalise(types: set[str]) -> set[str]:
    """A schema allowing ``number`` allows integers too."""
    return types | {"integer"} if "number" in types else set(types)


def _intersect(constraints: list[set[str] | None]) -> set[str] | None:
    """Intersection of the constraints that exist; None when none constrains."""
    known = [c for c in constraints if c is not None]
    if not known:
        return None
    result = set(ALL_TYPES)
    for constraint in known:
        result &= constraint
    return result


def _child_constraints(schema: JSON, path: InstancePath, resolver: Resolver) -> list[set[str] | None]:
    """Constraints this node's own applicators put on the value one step down ``path``."""
    key, rest = path[0], path[1:]
    out: list[set[str] | None] = []
    if isinstance(key, str):
        matched = False
        props = schema.get("properties", {})
        if key in props:
            out.append(allowed_types(props[key], rest, resolver))
            matched = True
        for pattern, sub in schema.get("patternProperties", {}).items():
            if re.search(pattern, key):
                out.append(allowed_types(sub, rest, resolver))
                matched = True
        if not matched and "additionalProperties" in schema:
            out.append(allowed_types(schema["additionalProperties"], rest, resolver))
    else:
        prefix = schema.get("prefixItems", [])
        if key < len(prefix):
            out.append(allowed_types(prefix[key], rest, resolver))
        elif "items" in schema:
            out.append(allowed_types(schema["items"], rest, resolver))
    return out


def allowed_types(schema: Any, path: InstancePath, resolver: Resolver) -> set[str] | None:
    """A superset of the JSON types ``schema`` accepts at ``path`` of an instance; None = unconstrained."""
    if schema is True or schema == {}:
        return None
    if schema is False:
        return set()
    own = _own_types(schema)
    constraints: list[set[str] | None] = []
    if path:
        container = "object" if isinstance(path[0], str) else "array"
        if own is not None and container not in own:
            return set()  # this (sub)schema rejects the container whatever the value below
        constraints.extend(_child_constraints(schema, path, resolver))
    else:
        constraints.append(own)
    if isinstance(schema.get("$ref"), str):
        resolved = resolver.lookup(schema["$ref"])
        constraints.append(allowed_types(resolved.contents, path, resolved.resolver))
    for sub in schema.get("allOf", []):
        constraints.append(allowed_types(sub, path, resolver))
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            branches = [allowed_types(branch, path, resolver) for branch in schema[keyword]]
            if any(branch is None for branch in branches):
                constraints.append(None)
            else:
                constraints.append(set().union(*[b for b in branches if b is not None]))
    result = _intersect(constraints)
    return _normalise(result) if result is not None else None


def disallowed_candidates(allowed: set[str]) -> list[tuple[str, Any]]:
    """The replacement values whose type the schema does not allow at that path."""
    return [(name, value) for name, value in CANDIDATES if name not in _normalise(allowed)]
