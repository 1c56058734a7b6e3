"""Reading a vendor's OpenAPI document and walking it: operations, schema properties, references.

The walkers know which keywords hold subschemas and which hold data (the same rules as the contract
self-tests), so a property *named* ``example`` is never taken for the keyword and nothing is ever written
into example, default, enum or const values. Nothing here follows a ``$ref`` into another file.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from apiconform.contracts.schema_walk import MAP_KEYWORDS, iter_document_schemas, iter_properties
from apiconform.errors import ConfigError

JSON = dict[str, Any]
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
IMPORTED = "imported from the vendor's document"

# keywords whose value is a map name -> subschema, one subschema, a list of subschemas
_EXAMPLE_KEYS = ("example", "examples")


def read_document(source: Path) -> JSON:
    """The file's JSON or YAML content (told apart by content, not suffix) as plain JSON values."""
    if not source.is_file():
        raise ConfigError(f"{source}: no such file; give the path of the vendor's OpenAPI document (YAML or JSON)")
    try:
        text = source.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{source}: not a UTF-8 text file; export the vendor's document as YAML or JSON") from None
    except OSError as exc:
        raise ConfigError(f"{source}: cannot be read ({exc.strerror}); check the path and permissions") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as json_error:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            if text.lstrip().startswith(("{", "[")):
                problem = f"invalid JSON at line {json_error.lineno}: {json_error.msg}"
            else:
                mark = getattr(exc, "problem_mark", None)
                where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
                problem = f"invalid YAML{where}: {getattr(exc, 'problem', None) or type(exc).__name__}"
            raise ConfigError(f"{source}: neither JSON nor YAML ({problem}); fix it or export it again") from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source}: not an OpenAPI document (the top level is {type(data).__name__}, not a mapping with "
            "an `openapi` field); give the vendor's OpenAPI 3.0 or 3.1 document"
        )
    return _plain(data, source)


def _plain(data: JSON, source: Path) -> JSON:
    """YAML's extras made JSON: keys as strings (``200:``), dates as ISO text; cycles and NaN refused."""

    def convert(value: Any, stack: tuple[int, ...]) -> Any:
        if isinstance(value, dict | list) and id(value) in stack:
            raise ConfigError(f"{source}: a YAML alias contains itself; JSON cannot hold a cycle, expand it")
        if isinstance(value, dict):
            return {_key(k): convert(v, (*stack, id(value))) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v, (*stack, id(value))) for v in value]
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{source}: has the number {value}, which JSON cannot hold; quote it or remove it")
        if value is None or isinstance(value, str | int | float):
            return value
        raise ConfigError(f"{source}: has a YAML {type(value).__name__} value, which JSON cannot hold; remove it")

    result: JSON = convert(data, ())
    return result


def _key(key: Any) -> str:
    return json.dumps(key) if key is None or isinstance(key, bool) else str(key)


@dataclass(frozen=True)
class Operation:
    """One operation of ``paths`` or ``webhooks`` and where it is."""

    method: str
    path: str
    node: JSON

    @property
    def label(self) -> str:
        """How the report names it: what a reader finds in the vendor's documentation."""
        return f"{self.method.upper()} {self.path} ({self.node.get('operationId')})"


def iter_operations(document: JSON) -> Iterator[Operation]:
    """Every operation, in document order (path items given by ``$ref`` are not followed)."""
    for root in ("paths", "webhooks"):
        items = document.get(root)
        if not isinstance(items, dict):
            continue
        for path, item in items.items():
            if isinstance(item, dict):
                for method in HTTP_METHODS:
                    if isinstance(item.get(method), dict):
                        yield Operation(method, path, item[method])


def derive_operation_id(method: str, path: str, taken: set[str]) -> str:
    """``getParcelsByTrackingNumberEvents`` for GET /parcels/{trackingNumber}/events; a number makes it unique.

    Derived from method and path only, so importing the vendor's next version gives the same names.
    """
    words: list[str] = []
    for segment in path.split("/"):
        parts = [p for p in re.split(r"[^A-Za-z0-9]+", segment) if p]
        if parts and segment.startswith("{"):
            words.append("By")
        words.extend(p[:1].upper() + p[1:] for p in parts)
    base = method.lower() + ("".join(words) or "Root")
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}{number}", number + 1
    taken.add(candidate)
    return candidate


def add_operation_ids(document: JSON) -> list[str]:
    """Give every operation without one an ``operationId``; return ``METHOD /path -> id`` for each added."""
    operations = list(iter_operations(document))
    taken = {op.node["operationId"] for op in operations if isinstance(op.node.get("operationId"), str)}
    added = []
    for op in operations:
        if not isinstance(op.node.get("operationId"), str):
            op.node["operationId"] = derive_operation_id(op.method, op.path, taken)
            added.append(f"{op.method.upper()} {op.path} -> {op.node['operationId']}")
    return added


def add_sources(document: JSON, origin: str) -> None:
    """An ``x-source`` citing ``origin`` (a sources.json id) on every operation and schema property that has none."""
    for op in iter_operations(document):
        op.node.setdefault("x-source", f"{origin}: {op.node['operationId']}, {IMPORTED}")
    for where, schema in iter_document_schemas(document, "#"):
        for pointer, prop in iter_properties(schema, where):
            if isinstance(prop, dict):
                prop.setdefault("x-source", f"{origin}: {pointer}, {IMPORTED}")


def external_refs(node: Any) -> list[str]:
    """Every ``$ref`` that leaves the document (examples and extensions are data, so not looked at)."""
    found: list[str] = []
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            found.append(ref)
        for key, value in node.items():
            if key not in _EXAMPLE_KEYS and not key.startswith("x-"):
                found.extend(external_refs(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(external_refs(item))
    return found


def _resolve(document: JSON, ref: str) -> Any:
    """The target of a local ``#/...`` reference, or None when it points nowhere (or elsewhere)."""
    if not ref.startswith("#/"):
        return None
    node: Any = document
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            node = node.get(token) if isinstance(node, dict) else None
    return node


def _has_example(node: Any, document: JSON, seen: set[str]) -> bool:
    """Whether a request body or response shows an example anywhere, local references followed once."""
    if isinstance(node, list):
        return any(_has_example(item, document, seen) for item in node)
    if not isinstance(node, dict):
        return False
    if any(key in node for key in _EXAMPLE_KEYS):
        return True
    ref = node.get("$ref")
    if isinstance(ref, str) and ref not in seen:
        seen.add(ref)
        if _has_example(_resolve(document, ref), document, seen):
            return True
    for key, value in node.items():
        if key.startswith("x-"):
            continue
        names_map = key in MAP_KEYWORDS and isinstance(value, dict)  # keys are names, not keywords
        if _has_example(list(value.values()) if names_map else value, document, seen):
            return True
    return False


def has_example(op: Operation, document: JSON) -> bool:
    """An example in the request body or in a success (2xx) response."""
    responses = op.node.get("responses")
    success = [r for code, r in responses.items() if str(code).startswith("2")] if isinstance(responses, dict) else []
    return _has_example([op.node.get("requestBody"), *success], document, set())


def has_error_response(op: Operation) -> bool:
    """A documented 4xx, 5xx or default response."""
    responses = op.node.get("responses")
    return isinstance(responses, dict) and any(str(c).startswith(("4", "5")) or c == "default" for c in responses)
