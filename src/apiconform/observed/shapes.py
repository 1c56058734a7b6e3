"""The shape of answers: what was seen at each field path, counted, never the values themselves.

A shape keeps, per path: how often the field was present, the JSON types seen, array lengths (min and
max) and, only where the contract documents an enum (a vocabulary of the vendor's documentation, not a
record's data), the values seen, bounded in number and length. Names, numbers, ids, addresses and
tokens are therefore never written: the observed files can be kept in a repository and shared.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from apiconform.observed.paths import ANY_KEY, ROOT, Documented, child, items, json_type

MAX_VALUES = 20  # distinct enum values kept per path; more are counted, not listed
MAX_FIELDS = 2000  # paths kept per response shape (a pathological body cannot grow the file without bound)
MAX_DEPTH = 12
_NAME_LIKE = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$")  # a field name, not a phone number or an e-mail
_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.:/\-]{0,39}$")
OTHER_VALUE = "(other value)"
# Transport headers vary with the connection and the body size, not with the API.
TRANSPORT_HEADERS = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "date"})

Shape = dict[str, Any]


def new_shape() -> Shape:
    return {"responses": 0, "content_types": {}, "headers": {}, "fields": {}}


def bump(counter: dict[str, int], key: str, by: int = 1) -> None:
    counter[key] = counter.get(key, 0) + by


def _field(shape: Shape, path: str) -> dict[str, Any] | None:
    fields: dict[str, Any] = shape["fields"]
    if path not in fields:
        if len(fields) >= MAX_FIELDS:
            return None
        fields[path] = {"present": 0, "types": {}}
    entry: dict[str, Any] = fields[path]
    return entry


def _value_key(value: Any) -> str:
    """An enum value as kept: short vocabulary words as they are, anything else only as "other"."""
    text = value if isinstance(value, str) else repr(value)
    return text if isinstance(value, bool | int | float) or _TOKEN.match(text) else OTHER_VALUE


def _add_value(entry: dict[str, Any], value: Any) -> None:
    values: dict[str, int] = entry.setdefault("values", {})
    key = _value_key(value)
    if key not in values and len(values) >= MAX_VALUES:
        key = OTHER_VALUE
    bump(values, key)


def observe_body(
    shape: Shape, body: Any, documented: Mapping[str, Documented], open_maps: frozenset[str], scripted: bool
) -> None:
    """Add one decoded JSON body to the shape; values are kept only where ``documented`` has an enum, and
    the undocumented keys of the maps the contract leaves open are counted as one ``.*`` path. Types seen
    in answers to scripted requests (the same every run) are also counted apart, as ``scripted_types``."""
    _observe(shape, body, ROOT, _Context(documented, open_maps, scripted), 0)


class _Context:
    def __init__(self, documented: Mapping[str, Documented], open_maps: frozenset[str], scripted: bool) -> None:
        self.documented, self.open_maps, self.scripted = documented, open_maps, scripted


def _observe(shape: Shape, value: Any, path: str, context: _Context, depth: int) -> None:
    entry = _field(shape, path)
    if entry is None or depth > MAX_DEPTH:
        return
    entry["present"] += 1
    kind = json_type(value)
    bump(entry["types"], kind)
    if context.scripted:
        bump(entry.setdefault("scripted_types", {}), kind)
    if isinstance(value, dict):
        for key, sub in value.items():
            named = child(path, str(key))
            if named not in context.documented and (path in context.open_maps or not _NAME_LIKE.match(str(key))):
                named = path + ANY_KEY  # a map's key, or one that looks like data (digits first, spaces, @)
            _observe(shape, sub, named, context, depth + 1)
    elif isinstance(value, list):
        low, high = entry.get("lengths", [len(value), len(value)])
        entry["lengths"] = [min(low, len(value)), max(high, len(value))]
        for item in value:
            _observe(shape, item, items(path), context, depth + 1)
    elif kind != "null" and path in context.documented and context.documented[path].enum is not None:
        _add_value(entry, value)


def observe_headers(shape: Shape, names: list[str]) -> None:
    for name in dict.fromkeys(n.lower() for n in names):
        if name not in TRANSPORT_HEADERS:
            bump(shape["headers"], name)


def merge(into: Shape, other: Shape) -> Shape:
    """Add ``other``'s counts to ``into`` (parts written by parallel workers become one shape)."""
    into["responses"] += other.get("responses", 0)
    into["scripted"] = into.get("scripted", 0) + other.get("scripted", 0)
    for key in ("content_types", "headers"):
        for name, count in other.get(key, {}).items():
            bump(into[key], name, count)
    for path, theirs in other.get("fields", {}).items():
        mine = _field(into, path)
        if mine is None:
            continue
        mine["present"] += theirs.get("present", 0)
        for kind, count in theirs.get("types", {}).items():
            bump(mine["types"], kind, count)
        for kind, count in theirs.get("scripted_types", {}).items():
            bump(mine.setdefault("scripted_types", {}), kind, count)
        if "lengths" in theirs:
            low, high = mine.get("lengths", theirs["lengths"])
            mine["lengths"] = [min(low, theirs["lengths"][0]), max(high, theirs["lengths"][1])]
        for value, count in theirs.get("values", {}).items():
            values: dict[str, int] = mine.setdefault("values", {})
            bump(values, value if value in values or len(values) < MAX_VALUES else OTHER_VALUE, count)
    return into
