"""CarrierX list queries: ``limit``/``offset``, the ``filter`` grammar, ``order`` and the list envelope.

Core's ``listEndpoints`` takes all four; the endpoint APIs (Conference, FlexML, Mediator) answer the same
envelope with the default page. The grammar, the bounds and the envelope follow vendor-facts.md (CarrierX):
``limit`` 0..1000 (default 10), conditions ``attr op value`` joined only by ``and``, ``order`` ``attr asc|desc``,
and ``{count, has_more, items, limit, offset, pagination, total}``. Which attributes a query may name is the
caller's (the endpoint attributes for Core); the ``pagination-broken`` defect lives in ``envelope``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from apiconform.sandbox.carrierx_errors import error, problem
from apiconform.sandbox.refusal import Refusal
from apiconform.sandbox.state import SandboxState

FILTER_OPS = frozenset({"eq", "like", "gt", "ge", "lt", "bit"})
MAX_LIMIT = 1000
DEFAULT_LIMIT = 10


def page_params(request: Request) -> tuple[int, int]:
    """vendor-facts.md: ``limit`` 0..1000 (default 10), ``offset`` >= 0 (default 0); anything else is 400."""
    out = []
    for name, default, top in (("limit", DEFAULT_LIMIT, MAX_LIMIT), ("offset", 0, None)):
        raw = request.query_params.get(name)
        if raw is None:
            out.append(default)
            continue
        if not re.fullmatch(r"[0-9]{1,4000}", raw.strip()) or (top is not None and int(raw) > top):
            raise Refusal(error(400, "bad request", [problem(name, f"{name} must be an integer in range", "invalid")]))
        out.append(int(raw))
    return out[0], out[1]


def envelope(
    state: SandboxState, request: Request, items: list[dict[str, Any]], limit: int, offset: int
) -> dict[str, Any]:
    """{count, has_more, items, limit, offset, pagination{next?}, total} (vendor-facts.md)."""
    broken = state.has("pagination-broken")
    start = 0 if broken else offset
    page = items[start : start + limit]
    has_more = not broken and start + len(page) < len(items)
    pagination: dict[str, str] = {}
    if has_more and limit > 0:
        pagination["next"] = str(request.url.include_query_params(limit=limit, offset=offset + limit))
    return {
        "count": len(page),
        "has_more": has_more,
        "items": page,
        "limit": limit,
        "offset": offset,
        "pagination": pagination,
        "total": len(items),
    }


@dataclass(frozen=True)
class Condition:
    path: tuple[str, ...]
    op: str
    value: str


_TOKEN = re.compile(r"""\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+))""")
_PATH = re.compile(r"[a-z_][a-z0-9_]*(\.[A-Za-z0-9_]+)*")
_FORBIDDEN_VALUE = re.compile(r"""[()"']""")


def _bad_query(field: str, message: str) -> Refusal:
    return Refusal(error(400, "bad request", [problem(field, message, "invalid")]))


def _tokens(text: str) -> list[tuple[str, bool]]:
    """(token, was quoted): values with spaces are quoted (vendor-facts.md)."""
    out: list[tuple[str, bool]] = []
    pos, text = 0, text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            break
        double, single, bare = match.groups()
        quoted = bare is None
        out.append((bare if bare is not None else (double or single or "").replace('\\"', '"'), quoted))
        pos = match.end()
    return out


def parse_filter(text: str, attributes: frozenset[str]) -> list[Condition]:
    """``attr op value`` joined only by ``and``: no ``or``, ``not`` or parentheses (vendor-facts.md)."""
    tokens = _tokens(text)
    conditions: list[Condition] = []
    i = 0
    while i < len(tokens):
        if conditions:
            joiner, quoted = tokens[i]
            if quoted or joiner.lower() != "and":
                raise _bad_query("filter", f"conditions are joined only by 'and', not {joiner!r}")
            i += 1
        if i + 3 > len(tokens):
            raise _bad_query("filter", "a condition is 'attr op value'")
        (attr, attr_q), (op, op_q), (value, value_q) = tokens[i : i + 3]
        if attr_q or not _PATH.fullmatch(attr) or attr.split(".")[0] not in attributes:
            raise _bad_query("filter", f"unknown attribute {attr!r}")
        if op_q or op.lower() not in FILTER_OPS:
            raise _bad_query("filter", f"unknown operator {op!r}")
        if not value_q and (_FORBIDDEN_VALUE.search(value) or value.lower() in ("and", "or", "not")):
            raise _bad_query("filter", f"bad value {value!r}; quote values with spaces")
        if op.lower() == "bit" and not re.fullmatch(r"-?[0-9]+", value):
            raise _bad_query("filter", "bit needs an integer")
        conditions.append(Condition(tuple(attr.split(".")), op.lower(), value))
        i += 3
    return conditions


_MISSING = object()


def _lookup(item: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(item, dict) or part not in item:
            return _MISSING
        item = item[part]
    return item


def _coerce(text: str, like: Any) -> Any:
    """The filter value as the attribute's type, or _MISSING when it cannot be one."""
    if isinstance(like, bool):
        return {"true": True, "false": False}.get(text.lower(), _MISSING)
    if isinstance(like, int | float):
        try:
            return type(like)(text)
        except ValueError:
            return _MISSING
    if like is None:
        return None if text.lower() == "null" else _MISSING
    return text if isinstance(like, str) else _MISSING


def _holds(item: dict[str, Any], cond: Condition) -> bool:
    actual = _lookup(item, cond.path)
    if actual is _MISSING:
        return False
    if cond.op == "like":
        pattern = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in cond.value)
        return isinstance(actual, str) and re.fullmatch(pattern, actual, re.IGNORECASE | re.DOTALL) is not None
    if cond.op == "bit":
        return isinstance(actual, int) and not isinstance(actual, bool) and actual & int(cond.value) != 0
    wanted = _coerce(cond.value, actual)
    if wanted is _MISSING:
        return False
    if cond.op == "eq":
        return bool(actual == wanted)
    if actual is None or isinstance(actual, dict | list):
        return False
    try:
        return bool({"gt": actual > wanted, "ge": actual >= wanted, "lt": actual < wanted}[cond.op])
    except TypeError:
        return False


def parse_order(text: str, attributes: frozenset[str]) -> tuple[tuple[str, ...], bool]:
    """``attr asc|desc`` (vendor-facts.md); the direction defaults to ascending."""
    parts = text.split()
    if not 1 <= len(parts) <= 2 or not _PATH.fullmatch(parts[0]) or parts[0].split(".")[0] not in attributes:
        raise _bad_query("order", "order is 'attr asc|desc'")
    if len(parts) == 2 and parts[1].lower() not in ("asc", "desc"):
        raise _bad_query("order", "the direction is asc or desc")
    return tuple(parts[0].split(".")), len(parts) == 2 and parts[1].lower() == "desc"


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool | int | float):
        return 0, value
    if isinstance(value, str):
        return 1, value
    if value is None or value is _MISSING:
        return 3, ""
    return 2, json.dumps(value, sort_keys=True)


def select(items: list[dict[str, Any]], request: Request, attributes: frozenset[str]) -> list[dict[str, Any]]:
    """Apply ``filter`` then ``order`` from the query string; both may name only ``attributes``."""
    raw_filter = request.query_params.get("filter")
    if raw_filter is not None and not raw_filter.strip():
        raise _bad_query("filter", "an empty filter is not a condition")
    conditions = parse_filter(raw_filter or "", attributes)
    chosen = [item for item in items if all(_holds(item, c) for c in conditions)]
    order = request.query_params.get("order")
    if order is not None:
        path, descending = parse_order(order, attributes)
        chosen.sort(key=lambda item: _sort_key(_lookup(item, path)), reverse=descending)
    return chosen
