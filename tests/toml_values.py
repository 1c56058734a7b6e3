"""TOML inline values for the configuration files tests write (JSON strings are valid TOML basic strings)."""

from __future__ import annotations

import json
from typing import Any


def toml_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return '""'  # TOML has no null; the known inputs these tests write never need one
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))
