"""A request built from the contract's own examples: the required parameters and the body, nothing generated.

Checks about credentials, environments, isolation and lifecycle need one request a valid caller could send.
Generating it (schemathesis and hypothesis) cost most of those checks' time while the contract usually
documents every value it needs: a parameter's ``example(s)``, its schema's ``const``, ``examples``,
``example``, ``default`` or first ``enum`` value, a body's ``example(s)``. A documented value that its own
schema rejects is not used: the sample must be one the API accepts, so a wrong example falls back to
generation instead of becoming a false alarm.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from apiconform.contracts.refs import deref

JSON = dict[str, Any]
Request = dict[str, Any]  # keys: path_parameters, query, headers, body, form
_WHERE = {"path": "path_parameters", "query": "query", "header": "headers"}
_MEDIA = {"application/json": "body", "application/x-www-form-urlencoded": "form"}


Part = tuple[str, str | None]  # (request key, parameter name): ("headers", "X-Request-Name"), ("body", None)


class Missing(Exception):
    """A required part of the request the contract documents no usable value for."""


def documented_parts(document: JSON, raw_operation: JSON, skip_headers: frozenset[str]) -> tuple[Request, list[Part]]:
    """The required request parts the contract documents values for, and the required parts it does not."""
    request: Request = {"path_parameters": {}, "query": {}, "headers": {}}
    missing: list[Part] = []
    for parameter in raw_operation.get("parameters", []):
        parameter = deref(document, parameter)
        where = _WHERE.get(str(parameter.get("in")))
        name = str(parameter.get("name", ""))
        if where is None or (where == "headers" and name.lower() in skip_headers):
            continue
        required = bool(parameter.get("required")) or where == "path_parameters"
        if not required:
            continue
        try:
            value = _documented_value(document, parameter, parameter.get("schema", {}))
        except Missing:
            missing.append((where, name))
            continue
        request[where][name] = str(value) if where == "headers" else value
    body = deref(document, raw_operation.get("requestBody", {}))
    if body:
        try:
            key, value = _documented_body(document, body)
            request[key] = value
        except Missing:
            if body.get("required"):
                missing.append(("body", None))
    return request, missing


def _documented_body(document: JSON, body: JSON) -> tuple[str, Any]:
    content = body.get("content", {})
    for media_type, key in _MEDIA.items():
        if media_type in content:
            media = deref(document, content[media_type])
            return key, _documented_value(document, media, media.get("schema", {}))
    raise Missing


def _documented_value(document: JSON, holder: JSON, schema: JSON) -> Any:
    """The first documented value of a parameter or media type (``holder``) that its schema accepts; the schema
    as written (a ``$ref`` may have sibling keywords, OpenAPI 3.1), then where its ``$ref`` leads."""
    candidates = _candidates(document, holder, schema)
    resolved = deref(document, schema)
    if resolved is not schema:
        candidates += _candidates(document, {}, resolved)
    for value in candidates:
        if _accepts(document, schema, value):
            return value
    raise Missing


def _candidates(document: JSON, holder: JSON, schema: Any) -> list[Any]:
    found: list[Any] = []
    if not isinstance(schema, dict):
        schema = {}
    if "example" in holder:
        found.append(holder["example"])
    examples = holder.get("examples")
    if isinstance(examples, dict):  # OpenAPI Example Objects by name
        resolved = (deref(document, example) for example in examples.values())
        found += [e["value"] for e in resolved if isinstance(e, dict) and "value" in e]
    if "const" in schema:
        found.append(schema["const"])
    if isinstance(schema.get("examples"), list):
        found += schema["examples"]
    for keyword in ("example", "default"):
        if keyword in schema:
            found.append(schema[keyword])
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        found.append(schema["enum"][0])
    return found


def covers(known: Request, part: Part) -> bool:
    """Whether a target's known input supplies a part the contract leaves undocumented."""
    where, name = part
    if where == "body":
        return "body" in known or "form" in known
    return isinstance(known.get(where), dict) and name in known[where]


def _accepts(document: JSON, schema: Any, value: Any) -> bool:
    if not isinstance(schema, dict) or not schema:
        return True
    validator = Draft202012Validator({**schema, "components": document.get("components", {})})
    return bool(validator.is_valid(value))
