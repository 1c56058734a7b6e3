"""Records the shape of every answer a run receives, per environment and operation.

``TargetSession`` hands each response of an operation here (suites, schemathesis cases and token
requests all pass through it). What the contract documents for that status (paths, types, enums,
headers, media types) is stored next to what was seen, so ``drift`` needs no configuration to say
whether a change is still allowed by the contract.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx

from apiconform.contracts.refs import deref, documented_response
from apiconform.observed import shapes
from apiconform.observed.paths import Documented, documented_paths
from apiconform.reporting.redaction import is_secret_name

MAX_BODY = 2_000_000  # bytes: bigger answers are counted, not walked
JSON = dict[str, Any]


def media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower() or "(none)"


def documented_status(document: JSON, raw: JSON, status: int) -> JSON:
    """What the contract documents for one status: response key, media types, headers, field paths."""
    key, response = documented_response(document, raw, status)
    if response is None:
        return {"documented": False}
    headers = {
        name.lower(): bool(deref(document, spec).get("required")) for name, spec in response.get("headers", {}).items()
    }
    content = response.get("content", {}) or {}
    fields: dict[str, Documented] = {}
    for media in content.values():
        for path, doc in documented_paths(document, (media or {}).get("schema")).items():
            known = fields.setdefault(path, Documented())
            known.types |= doc.types
            known.open = known.open or doc.open
            if doc.enum is not None:
                known.enum = [*(known.enum or []), *(v for v in doc.enum if v not in (known.enum or []))]
    return {
        "documented": True,
        "response": key,
        "content_types": sorted(content),
        "headers": headers,
        "fields": {path: doc.as_json() | ({"open": True} if doc.open else {}) for path, doc in fields.items()},
    }


def _known_paths(documented: JSON) -> dict[str, Documented]:
    """The documented paths; an enum is kept (its values recorded) only away from secret-looking names."""
    out: dict[str, Documented] = {}
    for path, doc in documented.get("fields", {}).items():
        last = path.rsplit(".", 1)[-1].strip('[]"')
        enum = list(doc["enum"]) if "enum" in doc and not is_secret_name(last) else None
        out[path] = Documented(set(doc["types"]), enum)
    return out


def _open_maps(documented: JSON) -> frozenset[str]:
    return frozenset(path for path, doc in documented.get("fields", {}).items() if doc.get("open"))


class ShapeRecorder:
    """Thread-safe accumulation of shapes: environment -> "api operationId" -> status -> shape."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.operations: dict[str, dict[str, JSON]] = {}
        self._documented: dict[tuple[str, str, int], tuple[JSON, dict[str, Documented], frozenset[str]]] = {}

    def observe(self, env: str, op: Any, document: JSON, response: httpx.Response, *, generated: bool = False) -> None:
        """Add one answer of operation ``op`` (a ``targets.session.Operation``) in ``env``. Headers count only
        for answers to scripted requests: a generated request's answer may echo headers it happened to send."""
        status = response.status_code
        body: Any = None
        walk = "json" in media_type(response) and len(response.content) <= MAX_BODY
        if walk:
            try:
                body = response.json()
            except ValueError:
                walk = False
        with self._lock:
            documented, known, open_maps = self._documented_for(op, document, status)
            entry = self.operations.setdefault(env, {}).setdefault(
                f"{op.api} {op.operation_id}",
                {"api": op.api, "operation": op.operation_id, "method": op.method, "path": op.path, "statuses": {}},
            )
            shape = entry["statuses"].setdefault(str(status), shapes.new_shape() | {"contract": documented})
            shape["responses"] += 1
            shapes.bump(shape["content_types"], media_type(response))
            if not generated:
                shape["scripted"] = shape.get("scripted", 0) + 1
                shapes.observe_headers(shape, list(response.headers.keys()))
            if walk:
                shapes.observe_body(shape, body, known, open_maps, not generated)

    def _documented_for(
        self, op: Any, document: JSON, status: int
    ) -> tuple[JSON, dict[str, Documented], frozenset[str]]:
        """What the contract documents for the status, with its paths and open maps: worked out once."""
        key = (op.api, op.operation_id, status)
        if key not in self._documented:
            documented = documented_status(document, op.raw, status)
            self._documented[key] = (documented, _known_paths(documented), _open_maps(documented))
        return self._documented[key]

    def snapshot(self) -> dict[str, dict[str, JSON]]:
        with self._lock:
            return {env: dict(ops) for env, ops in self.operations.items()}
