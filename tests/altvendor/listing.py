"""``GET /endpoints`` query handling: limit/offset, ``filter``, ``order`` and the list envelope.

Documented: ``limit`` default 10 max 1000, ``offset`` default 0, ``filter=attr op value`` joined by ``and``,
``order=attr asc|desc``, envelope ``{count, has_more, items, limit, offset, pagination{next?}, total}`` where
``pagination`` may be ``{}`` and ``total`` may be null. Choices unlike the sandbox: a ``limit`` above 1000 is
clamped (not 400), the default order is newest first, a filter on an unknown attribute matches nothing (not
400), ``total`` is null for filtered lists, and ``pagination`` links are relative with ``previous`` as well.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from starlette.requests import Request

from tests.altvendor.responses import Refused, problem

DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
OPERATORS = ("eq", "like", "gt", "ge", "lt", "bit")
_MISSING = object()


def _bad(parameter: str, detail: str) -> Refused:
    return Refused(problem(400, detail, errors=[{"parameter": parameter, "detail": detail}]))


def page_params(request: Request) -> tuple[int, int]:
    values = []
    for name, default in (("limit", DEFAULT_LIMIT), ("offset", 0)):
        raw = request.query_params.get(name)
        if raw is None:
            values.append(default)
        elif re.fullmatch(r"[0-9]{1,9}", raw):
            values.append(int(raw))
        else:
            raise _bad(name, f"{name} must be a non-negative integer")
    return min(values[0], MAX_LIMIT), values[1]


def _value(item: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(item, dict) or part not in item:
            return _MISSING
        item = item[part]
    return item


def _holds(actual: Any, op: str, wanted: str) -> bool:
    if actual is _MISSING or isinstance(actual, dict | list):
        return False
    if op == "like":
        pattern = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in wanted)
        return isinstance(actual, str) and re.fullmatch(pattern, actual, re.IGNORECASE | re.DOTALL) is not None
    if isinstance(actual, bool) or actual is None:
        return op == "eq" and wanted.lower() == str(actual).lower().replace("none", "null")
    if isinstance(actual, int):
        if not re.fullmatch(r"-?[0-9]+", wanted):
            return False
        number = int(wanted)
        return {"eq": actual == number, "gt": actual > number, "ge": actual >= number, "lt": actual < number}.get(
            op, op == "bit" and actual & number != 0
        )
    text = str(actual)
    return {"eq": text == wanted, "gt": text > wanted, "ge": text >= wanted, "lt": text < wanted}.get(op, False)


def apply_filter(items: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """``attr op value [and attr op value ...]``; values with spaces are quoted (shlex rules)."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise _bad("filter", "unbalanced quotes") from exc
    if len(words) % 4 != 3:
        raise _bad("filter", "a filter is 'attr op value', conditions joined by 'and'")
    conditions = []
    for i in range(0, len(words), 4):
        if i and words[i - 1].lower() != "and":
            raise _bad("filter", "conditions are joined only by 'and'")
        attr, op, wanted = words[i : i + 3]
        if op.lower() not in OPERATORS:
            raise _bad("filter", f"unknown operator {op!r}")
        conditions.append((attr, op.lower(), wanted))
    return [item for item in items if all(_holds(_value(item, a), op, w) for a, op, w in conditions)]


def apply_order(items: list[dict[str, Any]], text: str | None) -> list[dict[str, Any]]:
    """Newest first unless ``order`` names an attribute; an unknown attribute keeps the default order."""
    ordered = list(reversed(items))
    if text is None:
        return ordered
    parts = text.split()
    if not 1 <= len(parts) <= 2 or (len(parts) == 2 and parts[1].lower() not in ("asc", "desc")):
        raise _bad("order", "order is 'attr asc|desc'")
    if not items or _value(items[0], parts[0]) is _MISSING:
        return ordered
    descending = len(parts) == 2 and parts[1].lower() == "desc"
    return sorted(ordered, key=lambda item: _sort_key(_value(item, parts[0])), reverse=descending)


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return 0, value
    return (1, value) if isinstance(value, str) else (2, repr(value))


def envelope(items: list[dict[str, Any]], limit: int, offset: int, total: int | None, counted: int) -> dict[str, Any]:
    """One page; ``counted`` is what has_more is computed from (the stale counter under ``list-total-stale``)."""
    page = items[offset : offset + limit]
    has_more = offset + len(page) < counted and limit > 0
    pagination: dict[str, str] = {}
    if has_more:
        pagination["next"] = f"?limit={limit}&offset={offset + limit}"
    if offset > 0 and limit > 0:
        pagination["previous"] = f"?limit={limit}&offset={max(offset - limit, 0)}"
    return {
        "count": len(page),
        "has_more": has_more,
        "items": page,
        "limit": limit,
        "offset": offset,
        "pagination": pagination,
        "total": total,
    }
