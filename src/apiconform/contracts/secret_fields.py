"""The field names the contracts mark secret, for the redaction step to mask by name.

A property is secret when its schema says ``format: password``, ``writeOnly: true`` or
``x-apiconform-secret: true``; a parameter when its own object or its schema says so. The secret half of an
``apiKey`` pair (``x-apiconform-secret: true`` on the security scheme) contributes its parameter name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from apiconform.contracts.loader import ApiDocument, api_documents
from apiconform.contracts.schema_walk import iter_document_schemas, iter_properties


def marked_secret(node: Any) -> bool:
    """A schema (or parameter) the contract marks secret."""
    return isinstance(node, dict) and (
        node.get("format") == "password" or node.get("writeOnly") is True or node.get("x-apiconform-secret") is True
    )


def _parameters(document: Any) -> Iterable[Any]:
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "parameters" and isinstance(value, list | dict):
                yield from value if isinstance(value, list) else value.values()
            elif not str(key).startswith("x-") and key not in ("example", "examples"):
                yield from _parameters(value)
    elif isinstance(document, list):
        for item in document:
            yield from _parameters(item)


def document_secret_fields(document: ApiDocument) -> set[str]:
    """The names one OpenAPI document marks secret (properties, parameters, apiKey secret halves)."""
    bundled = document.bundled
    names: set[str] = set()
    for _, schema in iter_document_schemas(bundled):
        for pointer, child in iter_properties(schema):
            if marked_secret(child):
                names.add(pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~"))
    for parameter in _parameters(bundled):
        if isinstance(parameter, dict) and isinstance(parameter.get("name"), str):
            if marked_secret(parameter) or marked_secret(parameter.get("schema")):
                names.add(parameter["name"])
    schemes = bundled.get("components", {}).get("securitySchemes", {})
    for scheme in schemes.values() if isinstance(schemes, dict) else ():
        if isinstance(scheme, dict) and scheme.get("type") == "apiKey" and scheme.get("x-apiconform-secret") is True:
            if isinstance(scheme.get("name"), str):
                names.add(scheme["name"])
    return names


def secret_field_names(documents: Iterable[ApiDocument] | None = None) -> frozenset[str]:
    """Every name any loaded API document (shipped and user contracts) marks secret."""
    found: set[str] = set()
    for document in api_documents() if documents is None else documents:
        found |= document_secret_fields(document)
    return frozenset(found)
