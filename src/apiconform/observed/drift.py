"""Drift: how a target's answers changed between two observations, classified for the consumer.

The data flows from vendor to consumer, so what breaks a consumer's parser or logic is *breaking*: a
field that is gone, a type it has never seen, a null where there never was one, an enum value it does
not know, a status or media type it was never sent, a header it relied on that stopped coming. What it
can ignore is *additive*: a new field, a new header, an enum value it stopped receiving.

Generated requests vary from run to run, so a change counts only where both observations saw the
same thing to compare: a field is removed only when it was present in every object of the baseline
and absent from every one of at least one object now; a new field only when the baseline saw its
parent object; a new status only when the contract does not document it (a documented status a
randomised request happens to reach is not a change in the vendor). What the contract allows (a
documented type, null, enum value or field) counts only when a scripted request, the same every run,
met it for the first time. Two runs against an unchanged target therefore report nothing, while what
the contract does not allow is reported wherever it shows. Headers are compared on scripted answers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from apiconform.observed.paths import ANY_KEY, ITEMS, parent

BREAKING, ADDITIVE = "breaking", "additive"
ALLOWED = "the contract allows it"
JSON = dict[str, Any]


@dataclass(frozen=True)
class Change:
    cls: str  # breaking / additive
    kind: str  # field-removed, type-changed, became-nullable, enum-value-new, status-new, ...
    environment: str
    api: str
    operation: str
    status: str
    path: str
    detail: str
    contract: str  # what the effective contract says of the new state

    def as_json(self) -> JSON:
        out = asdict(self)
        out["class"] = out.pop("cls")
        return out

    @property
    def key(self) -> tuple[str, ...]:
        return (self.environment, self.api, self.operation, self.status, self.kind, self.path, self.detail)


def _objects(shape: JSON, path: str | None) -> int:
    """How many objects were seen at ``path`` (the parent a field's presence is counted against)."""
    if path is None:
        return 0
    return int(shape["fields"].get(path, {}).get("types", {}).get("object", 0))


def _collection(path: str) -> bool:
    """Array items and map values: how many there are is data, so presence says nothing of the shape."""
    return path.endswith(ITEMS) or path.endswith(ANY_KEY)


def _types(entry: JSON) -> set[str]:
    return set(entry.get("types", {}))


def _allowed(documented: JSON | None, kind: str) -> str:
    if documented is None:
        return "not in the contract"
    types = set(documented.get("types", []))
    if not types or kind in types or (kind == "integer" and "number" in types):
        return ALLOWED
    return "the contract does not allow it"


def _value_allowed(documented: JSON | None, value: str) -> str:
    enum = (documented or {}).get("enum")
    if enum is None:
        return "not in the contract"
    return ALLOWED if value in {str(v) for v in enum} else "the contract does not allow it"


class _Comparison:
    def __init__(self, env: str, entry: JSON) -> None:
        self.env, self.entry = env, entry
        self.changes: list[Change] = []

    def add(self, cls: str, kind: str, status: str, path: str, detail: str, contract: str) -> None:
        self.changes.append(
            Change(cls, kind, self.env, self.entry["api"], self.entry["operation"], status, path, detail, contract)
        )

    def status(self, status: str, old: JSON, new: JSON) -> None:
        contract: JSON = new.get("contract", {})
        fields: JSON = contract.get("fields", {})
        self._media_types(status, old, new, contract)
        self._headers(status, old, new, contract)
        for path, now in new["fields"].items():
            before = old["fields"].get(path)
            documented = fields.get(path)
            if before is None:
                # A documented optional field a randomised request happens to reach is no change in the vendor.
                if documented is None and not _collection(path) and _objects(old, parent(path)) > 0:
                    kinds = ", ".join(sorted(_types(now)))
                    self.add(ADDITIVE, "field-new", status, path, f"new field ({kinds})", "not in the contract")
                continue
            self._types(status, path, before, now, documented)
            self._values(status, path, before, now, documented)
        for path, before in old["fields"].items():
            if path in new["fields"] or _collection(path):
                continue
            up = parent(path)
            if before["present"] >= _objects(old, up) > 0 and _objects(new, up) > 0:
                self.add(
                    BREAKING,
                    "field-removed",
                    status,
                    path,
                    "field no longer sent (always present before)",
                    "documented" if path in fields else "not in the contract",
                )

    def _types(self, status: str, path: str, before: JSON, now: JSON, documented: JSON | None) -> None:
        old_types = _types(before)
        scripted = set(now.get("scripted_types", {}))
        for kind in sorted(_types(now) - old_types):
            if kind == "integer" and "number" in old_types:
                continue  # an integral number is still a number
            if _allowed(documented, kind) == ALLOWED and kind not in scripted:
                continue  # allowed, and only a generated request (other every run) met it: not the vendor's change
            if kind == "null":
                self.add(
                    BREAKING,
                    "became-nullable",
                    status,
                    path,
                    "null now sent (never before)",
                    _allowed(documented, kind),
                )
            elif old_types == {"null"} and _allowed(documented, kind) == ALLOWED:
                continue  # only ever null before: the first value of a documented type, not a change of type
            else:
                was = "/".join(sorted(old_types - {"null"})) or "null"
                self.add(BREAKING, "type-changed", status, path, f"{was} -> {kind}", _allowed(documented, kind))

    def _values(self, status: str, path: str, before: JSON, now: JSON, documented: JSON | None) -> None:
        old_values, new_values = before.get("values", {}), now.get("values", {})
        for value in sorted(set(new_values) - set(old_values)):
            if _value_allowed(documented, value) == ALLOWED:
                continue  # a documented value the consumer already handles, reached by another request
            self.add(
                BREAKING,
                "enum-value-new",
                status,
                path,
                f"value {value!r} never sent before",
                _value_allowed(documented, value),
            )
        if now["present"] >= before["present"]:  # as many answers as before, so a missing value is news
            for value in sorted(set(old_values) - set(new_values)):
                if _value_allowed(documented, value) == ALLOWED:
                    continue  # a documented value no request of this run happened to reach
                self.add(
                    ADDITIVE,
                    "enum-value-gone",
                    status,
                    path,
                    f"value {value!r} no longer sent",
                    _value_allowed(documented, value),
                )

    def _media_types(self, status: str, old: JSON, new: JSON, contract: JSON) -> None:
        documented = set(contract.get("content_types", []))
        for media in sorted(set(new["content_types"]) - set(old["content_types"])):
            if media not in documented:
                self.add(
                    BREAKING,
                    "media-type-new",
                    status,
                    "(content-type)",
                    f"{media} never sent before",
                    "not in the contract",
                )

    def _headers(self, status: str, old: JSON, new: JSON, contract: JSON) -> None:
        documented: JSON = contract.get("headers", {})
        before, now = old.get("scripted", 0), new.get("scripted", 0)
        if not before or not now:
            return  # headers are compared on answers to scripted requests only (see the recorder)
        for name in sorted(set(old["headers"]) - set(new["headers"])):
            if old["headers"][name] >= before:
                said = (
                    "documented as required"
                    if documented.get(name)
                    else ("documented" if name in documented else "not in the contract")
                )
                self.add(
                    BREAKING,
                    "header-removed",
                    status,
                    f"header {name}",
                    "header no longer sent (always present before)",
                    said,
                )
        for name in sorted(set(new["headers"]) - set(old["headers"])):
            said = "documented" if name in documented else "not in the contract"
            self.add(ADDITIVE, "header-new", status, f"header {name}", "new header", said)


def compare_entries(env: str, old: JSON, new: JSON) -> list[Change]:
    """The changes of one operation's answers between two observations of it."""
    comparison = _Comparison(env, new)
    for status, shape in sorted(new["statuses"].items()):
        if status in old["statuses"]:
            comparison.status(status, old["statuses"][status], shape)
        elif not shape.get("contract", {}).get("documented"):
            comparison.add(
                BREAKING, "status-new", status, "(status)", f"HTTP {status} never sent before", "not in the contract"
            )
    return comparison.changes


def compare(baseline: JSON, current: JSON) -> tuple[list[Change], int]:
    """Changes between two observation files of one environment; how many operations were compared."""
    env = str(current.get("environment"))
    changes: list[Change] = []
    compared = 0
    for key, entry in current["operations"].items():
        old = baseline["operations"].get(key)
        if old is None:
            continue
        compared += 1
        changes += compare_entries(env, old, entry)
    return changes, compared
