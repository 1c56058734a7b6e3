"""Schemathesis's verdicts, graded: each failure it reports is as strong as the contract node it rests on.

Schemathesis judges a response with its own checks and stops at the first schema error; here every check's
failure gets the grade of the rule behind it (an undocumented status: the operation's ``responses``; an
undocumented media type: the response's ``content-type``; a missing header: that header's ``required``;
accepted negative data: whether the data broke a documented constraint or only an assumed one), and the
response body is validated by ``graded.schema_breaches`` so a documented field rule is never hidden behind
an assumed ``additionalProperties``.
"""

from __future__ import annotations

from typing import Any

import httpx

from apiconform.checks.graded import Breach, documented_response, response_links, schema_breaches, summary
from apiconform.contracts.grades import GRADE_KEY, Grade, node_grade, parse_grade, strongest, weakest
from apiconform.contracts.schema_walk import iter_subschemas
from apiconform.targets.session import Operation, deref

JSON = dict[str, Any]
SERVER_ERROR = 'RFC 9110 15.6: a 5xx means "the server is aware that it has erred"'
CONTENT_TYPE = 'RFC 9110 8.3: a sender of content "SHOULD generate a Content-Type header field"'


def _json_media(response: JSON | None, content_type: str) -> JSON | None:
    content = (response or {}).get("content") or {}
    media_type = content_type.split(";")[0].strip().lower()
    if media_type in content:
        media = content[media_type]
    elif media_type == "application/json" or media_type.endswith("+json"):
        media = next((m for t, m in content.items() if t == "application/json" or t.endswith("+json")), None)
    else:
        return None
    return media if isinstance(media, dict) and "schema" in media else None


def body_breaches(document: JSON, op: Operation, response: httpx.Response) -> list[Breach]:
    """Every rule of the documented body schema the response breaks (nothing when the status or media type
    is undocumented: those are their own failures)."""
    documented = documented_response(document, op, response.status_code)
    media = _json_media(documented, response.headers.get("content-type", ""))
    if media is None:
        return []
    links = response_links(op.raw, documented)
    try:
        body = response.json()
    except ValueError:
        return [Breach(weakest(links), "", "the body is not JSON although its documented media type is")]
    schema = {**deref(document, media["schema"]), "components": document.get("components", {})}
    return schema_breaches(schema, body, links)


def _documented_headers(document: JSON, response: JSON | None) -> dict[str, JSON]:
    headers = (response or {}).get("headers") or {}
    return {name.lower(): deref(document, header) for name, header in headers.items() if isinstance(header, dict)}


def _negative_grade(document: JSON, op: Operation, case: Any) -> Grade:
    """Accepted negative data breaks a documented rule only if the data breaks a documented constraint."""
    components = getattr(getattr(case, "meta", None), "components", None) or {}
    negative = {str(getattr(loc, "value", loc)) for loc, info in components.items() if info.mode.is_negative}
    evidence: list[Grade] = []
    if "body" in negative and isinstance(op.raw.get("requestBody"), dict):
        body = deref(document, op.raw["requestBody"])
        media = _json_media(body, "application/json")
        if media is not None:
            schema = {**deref(document, media["schema"]), "components": document.get("components", {})}
            evidence += [b.grade for b in schema_breaches(schema, case.body, [node_grade(body, None)])]
    for param in op.raw.get("parameters", []):
        where = param.get("in")
        if where not in negative:
            continue
        values = {"query": case.query, "path": case.path_parameters, "header": case.headers, "cookie": case.cookies}
        container = values.get(where) or {}
        schema = deref(document, param.get("schema", {}))
        if param["name"] in container and isinstance(schema, dict):
            found = schema_breaches({**schema, "components": document.get("components", {})}, container[param["name"]])
            evidence += [weakest([node_grade(param, None), b.grade]) for b in found]
        elif param.get("required"):
            evidence.append(weakest([node_grade(param, "required")]))
    if not evidence:
        return node_grade(op.raw, "requestBody", Grade.DOCUMENTED) or Grade.DOCUMENTED
    return weakest([node_grade(op.raw, "requestBody"), strongest(evidence), _refusal_grade(document, op)])


def _refusal_grade(document: JSON, op: Operation) -> Grade | None:
    """How surely the contract says invalid input is *refused*: its validation response's grade. A documented
    maximum the vendor clamps to, where only an assumed 400 says it refuses, is a broken assumption."""
    refusals = [documented_response(document, op, status) for status in (400, 422)]
    grades = [node_grade(r, "status") or node_grade(r, None) for r in refusals if r is not None]
    known = [g for g in grades if g is not None]
    return strongest(known) if known else None


def _stated(node: Any) -> list[Grade | None]:
    """Every grade a node states or implies, one per keyword of a grade map."""
    stated = node.get(GRADE_KEY) if isinstance(node, dict) else None
    if isinstance(stated, dict):
        return [parse_grade(v) for v in stated.values()]
    return [node_grade(node, None)]


def request_grade(document: JSON, op: Operation) -> Grade:
    """How sure we are that any request our schema admits is one the vendor must accept: as sure as the
    weakest rule of the request schema (a pattern we narrowed or widened by assumption makes it a guess)."""
    grades = [node_grade(op.raw, None), node_grade(op.raw, "requestBody")]
    for param in op.raw.get("parameters", []):
        grades += _stated(param)
        grades += [g for _, sub in iter_subschemas(deref(document, param.get("schema"))) for g in _stated(sub)]
    body = deref(document, op.raw.get("requestBody"))
    media = _json_media(body if isinstance(body, dict) else None, "application/json")
    if media is not None:
        schema = deref(document, media["schema"])
        grades += _stated(body)
        grades += [g for _, sub in _referenced_subschemas(document, schema) for g in _stated(sub)]
    return weakest(grades)


def _referenced_subschemas(document: JSON, schema: Any, depth: int = 0) -> list[tuple[str, JSON]]:
    found = []
    for pointer, sub in iter_subschemas(schema):
        found.append((pointer, sub))
        if isinstance(sub.get("$ref"), str) and depth < 5:
            found += _referenced_subschemas(document, deref(document, sub), depth + 1)
    return found


def failure_grade(
    document: JSON, op: Operation, response: httpx.Response, case: Any, failure: Any, known: bool = False
) -> Grade:
    """The grade of the rule behind one schemathesis failure; ``known``: the case is a documented or
    configured known input, not generated data."""
    kind = type(failure).__name__
    documented = documented_response(document, op, response.status_code)
    if kind == "ServerError":
        return Grade.STANDARD
    if kind == "UndefinedStatusCode":
        if response.is_success:  # another success code than the documented one breaks the documented one
            successes = [r for code, r in op.raw.get("responses", {}).items() if code.startswith("2")]
            if successes:
                return strongest([weakest([node_grade(op.raw, None), node_grade(r, "status")]) for r in successes])
        return node_grade(op.raw, "responses", Grade.DOCUMENTED) or Grade.DOCUMENTED
    if kind == "UndefinedContentType":
        return weakest([node_grade(op.raw, None), node_grade(documented, "content-type")])
    if kind in ("MissingContentType", "MalformedMediaType"):
        return Grade.RECOMMENDED
    headers = _documented_headers(document, documented)
    if kind == "MissingHeaders":
        missing = [headers.get(str(name).lower()) for name in getattr(failure, "missing_headers", [])]
        at_response = node_grade(documented, "headers")
        return strongest([weakest([at_response, node_grade(h, "required")]) for h in missing], Grade.DOCUMENTED)
    if kind == "JsonSchemaError":  # a header value off its schema (bodies are graded by body_breaches)
        return weakest([node_grade(documented, "headers"), *(node_grade(h, None) for h in headers.values())])
    if kind == "RejectedPositiveData":
        return Grade.DOCUMENTED if known else request_grade(document, op)
    if kind == "AcceptedNegativeData":
        return _negative_grade(document, op, case)
    return weakest([node_grade(op.raw, None)])


def describe_breaches(breaches: list[Breach]) -> str:
    return f"Response violates schema ({len(breaches)} rule(s)):\n{summary(breaches)}"
