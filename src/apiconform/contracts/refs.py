"""Local ``$ref`` resolution and the documented response of a status: one implementation for the session,
the graded checks and the shape recorder (which sit on different sides of the import graph)."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]
MAX_HOPS = 12  # a cycle of refs (``a -> b -> a``) yields an empty node instead of a hang


def deref(document: JSON, node: Any) -> Any:
    """Follow local ``$ref`` s (parameters, headers, responses, schemas) to their definition (RFC 6901 escapes)."""
    for _ in range(MAX_HOPS + 1):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/")):
            return node
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
        node = target
    return {}


def documented_response(document: JSON, raw_operation: JSON, status: int) -> tuple[str | None, JSON | None]:
    """The key (exact, ``4XX``-style, then ``default``) and the resolved response documented for a status;
    (None, None) when the status is undocumented."""
    responses = raw_operation.get("responses", {})
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in responses:
            found = deref(document, responses[key])
            return key, found if isinstance(found, dict) else None
    return None, None
