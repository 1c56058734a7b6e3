"""The drift classification, one rule at a time: answers recorded by the real recorder from in-memory HTTP
responses (no server needed: the rules are what is under test), compared by ``observed.drift``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from apiconform.observed import report, store
from apiconform.observed.drift import ADDITIVE, BREAKING, compare_entries
from apiconform.observed.recorder import ShapeRecorder
from apiconform.targets.session import Operation

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "state"],
    "properties": {
        "id": {"type": "string"},
        "state": {"type": "string", "enum": ["open", "closed"]},
        "note": {"type": ["string", "null"]},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "items": {"type": "array", "items": {"type": "object", "properties": {"n": {"type": "integer"}}}},
    },
}
DOCUMENT: dict[str, Any] = {"components": {"schemas": {"thing": SCHEMA}}}
RAW: dict[str, Any] = {
    "responses": {
        "200": {
            "description": "ok",
            "headers": {"X-Request-Id": {"required": True, "schema": {"type": "string"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/thing"}}},
        },
        "404": {"description": "missing", "content": {"application/json": {"schema": {"type": "object"}}}},
    }
}
OP = Operation("things", "getThing", "GET", "/things/{id}", RAW)
BODY: dict[str, Any] = {"id": "t-1", "state": "open", "note": "x", "labels": {"a": "b"}, "items": [{"n": 1}]}


def answer(body: Any = None, status: int = 200, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
    sent = {"X-Request-Id": "r-1", **(headers or {})}
    if "content" in kwargs:
        return httpx.Response(status, headers=sent, content=kwargs["content"])
    return httpx.Response(status, headers=sent, json=BODY if body is None else body)


def observe(*responses: httpx.Response, generated: bool = False) -> dict[str, Any]:
    recorder = ShapeRecorder()
    for response in responses:
        recorder.observe("sandbox", OP, DOCUMENT, response, generated=generated)
    return recorder.snapshot()["sandbox"]["things getThing"]


def changes(old: dict[str, Any], new: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(c.cls, c.kind, c.path) for c in compare_entries("sandbox", old, new)}


def test_the_same_answers_are_no_drift() -> None:
    assert changes(observe(answer(), answer()), observe(answer())) == set()


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ({**BODY, "id": 7}, (BREAKING, "type-changed", "$.id")),
        ({**BODY, "note": None}, (BREAKING, "became-nullable", "$.note")),
        ({**BODY, "state": "archived"}, (BREAKING, "enum-value-new", "$.state")),
        ({k: v for k, v in BODY.items() if k != "id"}, (BREAKING, "field-removed", "$.id")),
        ({**BODY, "extra": 1}, (ADDITIVE, "field-new", "$.extra")),
        ({**BODY, "items": [{"n": 1.5}]}, (BREAKING, "type-changed", "$.items[].n")),
    ],
)
def test_each_body_change_has_its_class(now: dict[str, Any], expected: tuple[str, str, str]) -> None:
    assert changes(observe(answer()), observe(answer(now))) == {expected}


def test_status_media_type_and_header_changes() -> None:
    base = observe(answer())
    assert changes(base, observe(answer(), answer({"e": 1}, status=418))) == {(BREAKING, "status-new", "(status)")}
    assert changes(base, observe(answer({"e": 1}, status=404))) == set()  # documented: a request may reach it
    typed = answer(content=b"{}", headers={"Content-Type": "text/plain"})
    assert (BREAKING, "media-type-new", "(content-type)") in changes(base, observe(typed))
    gone = httpx.Response(200, json=BODY)
    assert changes(base, observe(gone)) == {(BREAKING, "header-removed", "header x-request-id")}
    added = answer(headers={"Deprecation": "true"})
    assert changes(base, observe(added)) == {(ADDITIVE, "header-new", "header deprecation")}


def test_what_a_randomised_request_can_cause_is_not_drift() -> None:
    base = observe(answer({**BODY, "note": "x"}))
    # a documented type (null is allowed for note) reached by a generated request only
    assert changes(base, observe(answer({**BODY, "note": None}), generated=True)) == set()
    # a documented enum value never seen before; map keys that are data; a documented optional field
    assert changes(base, observe(answer({**BODY, "state": "closed", "labels": {"zz9": "q"}}))) == set()
    # headers of answers to generated requests are not compared (they may echo what was sent)
    assert changes(base, observe(httpx.Response(200, json=BODY), generated=True)) == set()
    # a field present only sometimes before is not "removed" when absent now
    sometimes = observe(answer({**BODY, "extra": 1}), answer(BODY))
    assert changes(sometimes, observe(answer(BODY))) == set()


def test_values_are_kept_only_for_documented_enums() -> None:
    shape = observe(answer({**BODY, "id": "Jane Doe 555-0100", "state": "open"}))["statuses"]["200"]["fields"]
    assert shape["$.state"]["values"] == {"open": 1}
    assert "values" not in shape["$.id"] and "Jane" not in str(shape)
    assert shape["$.labels.*"]["types"] == {"string": 1}  # a map's keys are data: one path for all
    keyed = observe(answer({**BODY, "by_phone": {"+1 555 0100": 1}, "jane@example.com": True}))
    fields = keyed["statuses"]["200"]["fields"]
    assert "$.by_phone.*" in fields and "$.*" in fields and "555" not in str(keyed) and "jane" not in str(keyed)


def _write(directory: Path, entry: dict[str, Any], previous: dict[str, Any] | None) -> None:
    for data, is_previous in ((previous, True), (entry, False)):
        if data is None:
            continue
        path = store.env_file(directory, "t", "sandbox", previous=is_previous)
        body = {"format": store.FORMAT, "environment": "sandbox", "updated_at": "now", "operations": {}}
        body["operations"]["things getThing"] = {**data, "observed_at": "now"}
        store._dump(path, body)


def test_additive_drift_fails_only_when_asked_and_breaking_stays_until_accepted(tmp_path: Path) -> None:
    _write(tmp_path, observe(answer({**BODY, "extra": 1})), observe(answer()))
    assert not report.compute(tmp_path, "t").failed
    assert report.compute(tmp_path, "t", fail_on_additive=True).failed
    _write(tmp_path, observe(answer({**BODY, "id": 3})), observe(answer()))
    assert report.compute(tmp_path, "t").failed
    _write(tmp_path, observe(answer()), observe(answer()))  # the next run: nothing new, still unresolved
    again = report.compute(tmp_path, "t")
    assert again.failed and not again.breaking and len(again.unresolved) == 1
    assert report.accept(tmp_path, "t") == 1 and not report.compute(tmp_path, "t").failed
