"""Walking JSON Schemas: every subschema and every property, with its JSON Pointer (RFC 6901).

One walker for every reader of schemas (the importer, the contract-folder validation, the self-tests), so
"every property carries an x-source" means the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

JSON = dict[str, Any]

MAP_KEYWORDS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
ONE_KEYWORDS = (
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
)
LIST_KEYWORDS = ("prefixItems", "allOf", "anyOf", "oneOf")


def escape(token: str | int) -> str:
    """One JSON Pointer reference token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def iter_subschemas(schema: Any, pointer: str = "") -> Iterator[tuple[str, JSON]]:
    """Every (JSON pointer, subschema object) of a schema, the root included."""
    if not isinstance(schema, dict):
        return
    yield pointer, schema
    for keyword in MAP_KEYWORDS:
        children = schema.get(keyword)
        if isinstance(children, dict):
            for name, child in children.items():
                yield from iter_subschemas(child, f"{pointer}/{keyword}/{escape(name)}")
    for keyword in ONE_KEYWORDS:
        if keyword in schema:
            yield from iter_subschemas(schema[keyword], f"{pointer}/{keyword}")
    for keyword in LIST_KEYWORDS:
        children = schema.get(keyword)
        if isinstance(children, list):
            for index, child in enumerate(children):
                yield from iter_subschemas(child, f"{pointer}/{keyword}/{index}")


def iter_properties(schema: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Every entry of every ``properties`` map at any depth: (pointer to the entry, its subschema)."""
    for where, sub in iter_subschemas(schema, pointer):
        props = sub.get("properties")
        if isinstance(props, dict):
            for name, child in props.items():
                yield f"{where}/properties/{escape(name)}", child


def iter_document_schemas(node: Any, pointer: str = "", _root: str | None = None) -> Iterator[tuple[str, JSON]]:
    """The Schema Objects of an OpenAPI document (values of ``schema``, entries of ``components/schemas``);
    examples are data and ``x-`` extensions are ours, so neither is walked."""
    root = pointer if _root is None else _root
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{pointer}/{escape(key)}"
            if key in ("example", "examples") or str(key).startswith("x-"):
                continue
            if key == "schema" and isinstance(value, dict):
                yield here, value
            elif pointer == f"{root}/components" and key == "schemas" and isinstance(value, dict):
                for name, schema in value.items():
                    if isinstance(schema, dict):
                        yield f"{here}/{escape(name)}", schema
            else:
                yield from iter_document_schemas(value, here, root)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from iter_document_schemas(item, f"{pointer}/{index}", root)
