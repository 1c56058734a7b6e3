"""Comparing two JSON Schemas (references already inlined) into direction-neutral findings.

The comparison is by meaning, not by text: ``type: [string, null]``, 3.0's ``nullable: true`` and an
``anyOf`` with a null arm are one nullable string; ``allOf`` arms are merged; ``required``, ``type`` and
``enum`` are sets; ``oneOf``/``anyOf`` arms are matched by content, so reordering anything reports nothing.
Documentation keywords (``description``, ``examples``, ``x-*``, ...) are ignored entirely.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from apiconform.contracts.diff_load import ORIGIN
from apiconform.contracts.diff_rules import Direction, Subject

JSON = dict[str, Any]
NONE = "(none)"

DOC_KEYWORDS = frozenset(
    {"title", "description", "summary", "example", "examples", "$comment", "$id", "$schema", "$anchor"}
    | {"$dynamicAnchor", "deprecated", "externalDocs", "xml", "readOnly", "writeOnly", "discriminator"}
    | {"$defs", "definitions", "components", "nullable"}  # nullable is read before it is dropped
)
BOUNDS = {
    "maxLength": "max-length",
    "minLength": "min-length",
    "maximum": "max",
    "minimum": "min",
    "exclusiveMaximum": "exclusive-max",
    "exclusiveMinimum": "exclusive-min",
    "maxItems": "max-items",
    "minItems": "min-items",
    "maxProperties": "max-properties",
    "minProperties": "min-properties",
    "maxContains": "max-contains",
    "minContains": "min-contains",
}
_HANDLED = frozenset(
    {"type", "format", "enum", "const", "pattern", "multipleOf", "uniqueItems", "default", "properties"}
    | {"required", "additionalProperties", "items", "oneOf", "anyOf", *BOUNDS}
)
_SET_LIKE = frozenset({"required", "enum", "type"})
_NAME_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas", "dependentRequired"})


@dataclass(frozen=True)
class Place:
    """Where a change is: the file (in a folder diff), the operation, and ``request`` or the status."""

    file: str = ""
    operation: str = ""
    status: str = ""


@dataclass(frozen=True)
class Finding:
    """One change, before it has a verdict; ``direction`` is None for operation-level kinds."""

    kind: str
    place: Place
    field: str
    old: str
    new: str
    origin: str  # the same change in a schema used in several places has the same origin
    direction: Direction | None = None
    subject: Subject = "body"
    keyword: str = ""


def canonical(node: Any, names: bool = False) -> Any:
    """A node without documentation, with set-like lists sorted: equal iff the schemas mean the same."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if not names and (key in DOC_KEYWORDS or key.startswith("x-")):
                continue
            out[key] = canonical(value, names=not names and key in _NAME_MAPS)
        return out
    if isinstance(node, list):
        return [canonical(item) for item in node]
    return node


def fingerprint(node: Any) -> str:
    """A text that is equal for equal schemas, whatever their key, property or enum order."""

    def sort_sets(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: sort_sets(v, k) for k, v in value.items()}
        if isinstance(value, list):
            items = [sort_sets(v) for v in value]
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True)) if key in _SET_LIKE else items
        return value

    return json.dumps(sort_sets(canonical(node)), sort_keys=True, ensure_ascii=False)


def _is_null(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    rest = {k for k in schema if k not in DOC_KEYWORDS and not k.startswith("x-") and k != "type"}
    return (kind == "null" or kind == ["null"]) and not rest


def _merge(outer: JSON, arm: JSON) -> JSON:
    """``allOf`` of two schemas as one; a keyword both set differently stays as an ``allOf`` leftover."""
    out = dict(outer)
    for key, value in arm.items():
        if key not in out:
            out[key] = value
        elif key == "properties" and isinstance(value, dict) and isinstance(out[key], dict):
            merged = dict(out[key])
            for name, schema in value.items():
                merged[name] = {"allOf": [merged[name], schema]} if name in merged else schema
            out[key] = merged
        elif key == "required" and isinstance(value, list) and isinstance(out[key], list):
            out[key] = sorted(set(out[key]) | set(value))
        elif key in DOC_KEYWORDS or key.startswith("x-") or fingerprint(out[key]) == fingerprint(value):
            continue
        else:
            out.setdefault("allOf", []).append({key: value})
    return out


def flatten(node: Any) -> JSON:
    """A schema as one mapping: ``allOf`` merged, a union with ``null`` folded into ``nullable``, 3.0 bounds."""
    if node is False:
        return {"not": {}}
    if not isinstance(node, dict):
        return {}
    schema = {key: value for key, value in node.items() if key != "allOf"}
    arms = node.get("allOf")
    if isinstance(arms, list):
        for arm in arms:
            schema = _merge(schema, flatten(arm))
    for key in ("anyOf", "oneOf"):
        arms = schema.get(key)
        if isinstance(arms, list) and len(arms) == 2 and sum(map(_is_null, arms)) == 1:
            other = arms[1] if _is_null(arms[0]) else arms[0]
            del schema[key]
            schema = _merge(schema, flatten(other))
            schema["nullable"] = True
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):  # OpenAPI 3.0
        if schema.get(flag) is True and bound in schema:
            schema[flag] = schema.pop(bound)
        elif schema.get(flag) is False:
            del schema[flag]
    return schema


def _types(schema: JSON) -> tuple[frozenset[str] | None, bool]:
    """The types (None: any) without ``null``, and whether null is allowed."""
    raw = schema.get("type")
    listed = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else None
    enum = schema.get("enum")
    nullable = schema.get("nullable") is True or (isinstance(enum, list) and None in enum)
    if listed is None:
        return None, nullable
    return frozenset(t for t in listed if t != "null"), nullable or "null" in listed


def _covers(wide: frozenset[str] | None, narrow: frozenset[str] | None) -> bool:
    """Every value of ``narrow`` is a value of ``wide`` (an integer is a number)."""
    if wide is None:
        return True
    if narrow is None:
        return False
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _type_text(types: frozenset[str] | None, fmt: Any) -> str:
    text = "any" if types is None else ", ".join(sorted(types)) or "null"
    return f"{text}/{fmt}" if fmt else text


def short(value: Any, limit: int = 60) -> str:
    """A value in one short line."""
    text = json.dumps(canonical(value), ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _enum(schema: JSON) -> dict[str, Any] | None:
    values = schema.get("enum")
    if not isinstance(values, list):
        return None
    return {json.dumps(v, sort_keys=True, ensure_ascii=False): v for v in values if v is not None}


def _kebab(keyword: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", keyword.lstrip("$")).lower()


def _number(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


class SchemaComparer:
    """Compares schemas at one place seen from one direction; appends to ``out``."""

    def __init__(self, out: list[Finding], place: Place, direction: Direction, root: Subject) -> None:
        self.out, self.place, self.direction, self.root = out, place, direction, root

    def _emit(self, kind: str, field: str, old: str, new: str, origin: str, depth: int, keyword: str = "") -> None:
        nested: Subject = "parameter-property" if self.root == "parameter" else "property"
        subject = self.root if depth == 0 else nested
        finding = Finding(kind, self.place, field or "(root)", old, new, origin, self.direction, subject, keyword)
        self.out.append(finding)

    def compare(self, old: Any, new: Any, field: str, origin: str, depth: int = 0) -> None:
        """Every change from ``old`` to ``new``; ``field`` names the spot (``body.address.zipCode``)."""
        if old is new or old == new:
            return
        o, n = flatten(old), flatten(new)
        origin = str(n.get(ORIGIN) or o.get(ORIGIN) or origin)
        emit = self._emit
        (ot, o_null), (nt, n_null) = _types(o), _types(n)
        of, nf = o.get("format"), n.get("format")
        if ot != nt or of != nf:
            generalized = _covers(nt, ot) and (nf is None or nf == of)
            specialized = _covers(ot, nt) and (of is None or of == nf)
            kind = "type-generalized" if generalized else "type-specialized" if specialized else "type-changed"
            emit(kind, field, _type_text(ot, of), _type_text(nt, nf), origin + "/type", depth)
            if kind == "type-changed":
                return  # what lies below a different type is a different thing, not a list of edits
        if o_null != n_null and (ot is not None or "enum" in o) and (nt is not None or "enum" in n):
            nullable = ("not nullable", "nullable")
            kind = "became-nullable" if n_null else "became-not-nullable"
            emit(kind, field, nullable[o_null], nullable[n_null], origin + "/nullable", depth)
        self._values(o, n, field, origin, depth)
        self._bounds(o, n, field, origin, depth)
        self._object(o, n, field, origin, depth)
        if "items" in o or "items" in n:
            self.compare(o.get("items", {}), n.get("items", {}), f"{field}[]", origin + "/items", depth + 1)
        self._arms(o, n, field, origin, depth)
        for key in sorted((o.keys() | n.keys()) - _HANDLED - DOC_KEYWORDS):
            if key.startswith("x-") or fingerprint(o.get(key)) == fingerprint(n.get(key)):
                continue
            was, now = (short(side[key]) if key in side else NONE for side in (o, n))
            emit("keyword-changed", field, f"{key} {was}", f"{key} {now}", f"{origin}/{key}", depth, _kebab(key))

    def _values(self, o: JSON, n: JSON, field: str, origin: str, depth: int) -> None:
        emit = self._emit
        oe, ne = _enum(o), _enum(n)
        if oe is None and ne is not None:
            emit("became-enum", field, "any value", short(list(ne.values())), origin + "/enum", depth)
        elif oe is not None and ne is None:
            emit("enum-removed", field, short(list(oe.values())), "any value", origin + "/enum", depth)
        elif oe is not None and ne is not None:
            for value in sorted(ne.keys() - oe.keys()):
                emit("enum-value-added", field, NONE, value, f"{origin}/enum", depth)
            for value in sorted(oe.keys() - ne.keys()):
                emit("enum-value-removed", field, value, NONE, f"{origin}/enum", depth)
        for key, stem in (("const", "const"), ("pattern", "pattern"), ("multipleOf", "multiple-of")):
            if key in o or key in n:
                was, now = (short(side[key]) if key in side else NONE for side in (o, n))
                if fingerprint(o.get(key)) != fingerprint(n.get(key)) or (key in o) != (key in n):
                    change = "added" if key not in o else "removed" if key not in n else "changed"
                    if stem == "multiple-of":
                        change = {"added": "set", "removed": "unset"}.get(change, change)
                    emit(f"{stem}-{change}", field, was, now, f"{origin}/{key}", depth)
        if bool(o.get("uniqueItems")) != bool(n.get("uniqueItems")):
            kind = "unique-items-set" if n.get("uniqueItems") else "unique-items-unset"
            emit(kind, field, str(bool(o.get("uniqueItems"))), str(bool(n.get("uniqueItems"))), origin, depth)
        if ("default" in o) != ("default" in n) or fingerprint(o.get("default")) != fingerprint(n.get("default")):
            change = "added" if "default" not in o else "removed" if "default" not in n else "changed"
            was, now = (short(side["default"]) if "default" in side else NONE for side in (o, n))
            emit(f"default-value-{change}", field, was, now, origin + "/default", depth)

    def _bounds(self, o: JSON, n: JSON, field: str, origin: str, depth: int) -> None:
        for key, stem in BOUNDS.items():
            was, now = _number(o.get(key)), _number(n.get(key))
            if was == now:
                continue
            if was is None or now is None:
                change = "set" if was is None else "unset"
            else:
                change = "increased" if now > was else "decreased"
            old_text, new_text = (NONE if value is None else f"{key} {value:g}" for value in (was, now))
            self._emit(f"{stem}-{change}", field, old_text, new_text, f"{origin}/{key}", depth)

    def _object(self, o: JSON, n: JSON, field: str, origin: str, depth: int) -> None:
        op: JSON = o["properties"] if isinstance(o.get("properties"), dict) else {}
        np: JSON = n["properties"] if isinstance(n.get("properties"), dict) else {}
        oreq = {r for r in o.get("required") or [] if isinstance(r, str)}
        nreq = {r for r in n.get("required") or [] if isinstance(r, str)}
        for name in sorted(op.keys() | np.keys() | oreq | nreq):
            child, where = f"{field}.{name}" if field else name, f"{origin}/properties/{name}"
            in_old, in_new = name in op or name in oreq, name in np or name in nreq
            need = ("optional", "required")
            if not in_old:
                kind = "property-added-required" if name in nreq else "property-added-optional"
                added = flatten(np.get(name))
                what = f"{need[name in nreq]} {_type_text(_types(added)[0], added.get('format'))}"
                self._emit(kind, child, NONE, what, where, depth + 1)
            elif not in_new:
                kind = "property-removed-required" if name in oreq else "property-removed-optional"
                self._emit(kind, child, need[name in oreq], NONE, where, depth + 1)
            else:
                if (name in oreq) != (name in nreq):
                    kind = "became-required" if name in nreq else "became-optional"
                    self._emit(kind, child, need[name in oreq], need[name in nreq], where + "/required", depth + 1)
                self.compare(op.get(name, {}), np.get(name, {}), child, where, depth + 1)
        if "additionalProperties" in o or "additionalProperties" in n:
            oa, na = o.get("additionalProperties", True), n.get("additionalProperties", True)
            if (oa is False) != (na is False):
                kind = "additional-properties-disallowed" if na is False else "additional-properties-allowed"
                texts = ("additionalProperties false", "additional properties allowed")
                self._emit(kind, field, texts[oa is not False], texts[na is not False], origin + "/ap", depth)
            elif oa is not False:
                old_extra, new_extra = (side if isinstance(side, dict) else {} for side in (oa, na))
                self.compare(old_extra, new_extra, f"{field}.*", origin + "/additionalProperties", depth + 1)

    def _arms(self, o: JSON, n: JSON, field: str, origin: str, depth: int) -> None:
        for key, stem in (("oneOf", "one-of"), ("anyOf", "any-of")):
            old_arms = {fingerprint(a): a for a in o.get(key) or [] if isinstance(o.get(key), list)}
            new_arms = {fingerprint(a): a for a in n.get(key) or [] if isinstance(n.get(key), list)}
            removed = [old_arms[k] for k in sorted(old_arms.keys() - new_arms.keys())]
            added = [new_arms[k] for k in sorted(new_arms.keys() - old_arms.keys())]
            if len(removed) == 1 and len(added) == 1:  # one arm edited: its changes, not "removed + added"
                self.compare(removed[0], added[0], field, f"{origin}/{key}", depth)
                continue
            for arm in added:
                self._emit(f"{stem}-added", field, NONE, short(arm), f"{origin}/{key}/{fingerprint(arm)}", depth)
            for arm in removed:
                self._emit(f"{stem}-removed", field, short(arm), NONE, f"{origin}/{key}/{fingerprint(arm)}", depth)
