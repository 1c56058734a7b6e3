"""Contract rules that generated data reaches only by luck, checked deliberately.

- ``boundary_violations_rejected``: a valid request with one documented constraint broken (a 2-character
  accountName, ``count`` 21, an unknown test type) gets the documented validation status, not data.
- ``read_only_attributes_refused``: attributes the contract marks ``readOnly`` cannot be written.
- ``pagination_consistent``: consecutive pages do not overlap and the "more" flag tells the truth, with the
  parameter and field names the contract gives (``x-apiconform-records.page``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator

from apiconform.checks.failures import Category, ContractViolation, breach
from apiconform.checks.samples import Request, sample_request, send_sample
from apiconform.config.model import Environment
from apiconform.contracts.grades import Grade, node_grade, strongest, weakest
from apiconform.targets.session import Operation, TargetSession, deref

JSON = dict[str, Any]
VALIDATION_STATUSES = ("400", "422")
MAX_VIOLATIONS = 10
READ_ONLY_SOURCE = (
    'JSON Schema 2020-12 validation 9.4: readOnly values are "managed exclusively by the owning authority"; '
    'attempts to modify them "are expected to be ignored or rejected"'
)


def request_schema(session: TargetSession, op: Operation) -> JSON | None:
    document = session.documents[op.api].bundled
    body = deref(document, op.raw.get("requestBody", {}))
    schema = (body.get("content") or {}).get("application/json", {}).get("schema")
    return deref(document, schema) if schema else None


def validation_statuses(op: Operation) -> list[int]:
    return [int(code) for code in VALIDATION_STATUSES if code in op.raw.get("responses", {})]


def _validator(session: TargetSession, op: Operation, schema: JSON) -> Draft202012Validator:
    components = session.documents[op.api].bundled.get("components", {})
    return Draft202012Validator({**schema, "components": components})


def _documented(node: JSON, keyword: str | None = None) -> bool:
    """Constraints we assumed (to keep generated data acceptable) are not the vendor's to enforce."""
    grade = node_grade(node, keyword)
    return grade is None or grade.blocking


def validation_grade(op: Operation) -> Grade:
    """How strong "a broken constraint is answered 400/422" is: the documented validation response's status."""
    responses = op.raw.get("responses", {})
    grades = [node_grade(responses.get(code), "status") for code in VALIDATION_STATUSES if code in responses]
    return strongest(grades, Grade.DOCUMENTED)


def _leaf_violations(document: JSON, schema: JSON, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, value) pairs, each breaking one documented constraint of one field."""
    for name, prop in (schema.get("properties") or {}).items():
        prop = deref(document, prop)
        here = (*path, name)
        if prop.get("type") == "object" or "properties" in prop:
            yield from _leaf_violations(document, prop, here)
            continue
        if not _documented(prop):
            continue
        if isinstance(prop.get("minLength"), int) and prop["minLength"] > 1 and _documented(prop, "minLength"):
            yield here, "x" * (prop["minLength"] - 1)
        if isinstance(prop.get("maxLength"), int) and _documented(prop, "maxLength"):
            yield here, "x" * (prop["maxLength"] + 1)
        if "enum" in prop and _documented(prop, "enum"):
            yield here, "apiconform-not-a-documented-value"
        if isinstance(prop.get("maximum"), int) and _documented(prop, "maximum"):
            yield here, prop["maximum"] + 1


def _with(body: Any, path: tuple[str, ...], value: Any) -> Any:
    out = copy.deepcopy(body)
    node = out
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return out


def _without(body: Any, path: tuple[str, ...]) -> Any:
    out = copy.deepcopy(body)
    node = out
    for key in path[:-1]:
        node = node.get(key, {})
    node.pop(path[-1], None)
    return out


def body_violations(session: TargetSession, op: Operation, body: Any) -> list[tuple[str, Any]]:
    """Single-constraint violations of a valid body, each confirmed invalid by the request schema."""
    schema = request_schema(session, op)
    if schema is None or not isinstance(body, dict):
        return []
    validator = _validator(session, op, schema)
    if not validator.is_valid(body):
        return []
    document = session.documents[op.api].bundled
    candidates = [(".".join(p), _with(body, p, v)) for p, v in _leaf_violations(document, schema, ())]
    candidates += [(f"without {name}", _without(body, (name,))) for name in schema.get("required", [])]
    return [(label, bad) for label, bad in candidates if not validator.is_valid(bad)][:MAX_VIOLATIONS]


def parameter_violations(session: TargetSession, op: Operation) -> list[tuple[str, str, str, Any]]:
    """(label, location, name, value): a query value past its documented maximum, a path id off its pattern."""
    document = session.documents[op.api].bundled
    out = []
    for param in op.raw.get("parameters", []):
        schema = deref(document, param.get("schema", {}))
        if not _documented(param) or not _documented(schema):
            continue
        name, where = param["name"], param.get("in")
        if where == "query" and isinstance(schema.get("maximum"), int) and _documented(schema, "maximum"):
            out.append((f"query {name}={schema['maximum'] + 1}", "query", name, schema["maximum"] + 1))
        if where == "path" and "pattern" in schema and _documented(schema, "pattern"):
            out.append((f"path {name} not matching {schema['pattern']}", "path_parameters", name, "apiconform-0"))
    return out


def has_documented_constraints(session: TargetSession, op: Operation) -> bool:
    schema = request_schema(session, op)
    document = session.documents[op.api].bundled
    in_body = schema is not None and (
        any(True for _ in _leaf_violations(document, schema, ())) or bool(schema.get("required"))
    )
    return bool(validation_statuses(op)) and (in_body or bool(parameter_violations(session, op)))


def boundary_violations_rejected(session: TargetSession, env: Environment, op: Operation) -> int:
    """Each single-constraint violation gets a documented validation status (400/422). Returns how many."""
    expected = validation_statuses(op)
    base = sample_request(session, env, op)
    auth = session.present(env, op.api)
    cases: list[tuple[str, Request, bool]] = [
        (label, {**base, "body": bad}, True) for label, bad in body_violations(session, op, base.get("body"))
    ]
    cases += [
        (label, {**base, where: {**(base.get(where) or {}), name: value}}, False)
        for label, where, name, value in parameter_violations(session, op)
    ]
    for label, request, in_body in cases:
        response = send_sample(session, env, op, auth, request)
        if response.status_code not in expected:
            # Data served for a body the documentation calls invalid breaks it; a page size over its maximum
            # may be clamped, and which refusal status is used is as strong as the validation response.
            served = response.is_success and in_body
            breach(
                ContractViolation(
                    Category.CONTRACT,
                    "boundary_violation_rejected",
                    f"a request breaking one documented constraint ({label}) was "
                    + ("served" if response.is_success else "not rejected as invalid"),
                    received=f"HTTP {response.status_code}",
                    documented=f"HTTP {' or '.join(map(str, expected))}",
                    operation=f"{op.api} {op.label} ({env})",
                    source=str(op.raw.get("x-source", ""))[:300],
                    grade=Grade.DOCUMENTED if served else validation_grade(op),
                )
            )
    return len(cases)


def read_only_properties(session: TargetSession, op: Operation) -> dict[str, Any]:
    """Properties the success response marks ``readOnly``, with an example value each."""
    document = session.documents[op.api].bundled
    for code, response in op.raw.get("responses", {}).items():
        if not code.startswith("2"):
            continue
        schema = deref(document, (response.get("content") or {}).get("application/json", {}).get("schema"))
        if not isinstance(schema, dict):
            continue
        examples = schema.get("examples") or [{}]
        return {
            name: (examples[0].get(name) if isinstance(examples[0], dict) else None) or _example(prop)
            for name, prop in (schema.get("properties") or {}).items()
            if deref(document, prop).get("readOnly")
        }
    return {}


def _example(prop: JSON) -> Any:
    kind = prop.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    return {"integer": 7, "number": 7, "boolean": True, "array": [], "object": {}}.get(str(kind), "apiconform")


def read_only_attributes_refused(session: TargetSession, env: Environment, op: Operation) -> int:
    """JSON Schema 2020-12 9.4: writes of a ``readOnly`` attribute are "expected to be ignored or rejected".
    Taking the written value is a broken standard; ignoring it instead of refusing is a warning unless the
    vendor documents the refusal (the validation response's grade)."""
    expected = validation_statuses(op)
    base = sample_request(session, env, op)
    auth = session.present(env, op.api)
    attributes = read_only_properties(session, op)
    for name, value in attributes.items():
        body = {**(base.get("body") or {}), name: value}
        response = send_sample(session, env, op, auth, {**base, "body": body})
        if response.status_code in expected:
            continue
        taken = response.is_success and _echoes(response, name, value)
        breach(
            ContractViolation(
                Category.CONTRACT,
                "read_only_attribute_refused",
                f"writing the read-only attribute {name!r} was "
                + ("accepted and the written value kept" if taken else "not refused"),
                received=f"HTTP {response.status_code}",
                documented=f"HTTP {' or '.join(map(str, expected))} (read only: set by the system)",
                operation=f"{op.api} {op.label} ({env})",
                source=READ_ONLY_SOURCE,
                grade=Grade.STANDARD if taken else weakest([validation_grade(op), Grade.ASSUMPTION]),
            )
        )
    return len(attributes)


def _echoes(response: Any, name: str, value: Any) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and name in body and body[name] == value


def _page(op: Operation) -> JSON:
    page = op.records.get("page")
    return dict(page) if isinstance(page, dict) else {}


def is_paginated(op: Operation) -> bool:
    """GET listings whose contract names their page parameters and total (``x-apiconform-records.page``)."""
    page = _page(op)
    return op.method == "GET" and all(page.get(k) for k in ("size", "offset", "total"))


def pagination_consistent(session: TargetSession, env: Environment, op: Operation, limit: int = 3) -> bool:
    """Two consecutive pages: no item twice, the "more" flag true while the total says more remain, and the
    last item the total counts is there (a total that counts deleted records sends clients past the end).

    Returns False (nothing checked) when the target holds too few items to fill two pages."""
    page = _page(op)
    size, offset_name, items_field = str(page["size"]), str(page["offset"]), str(op.records.get("items") or "")
    total_field, more_field = str(page["total"]), str(page.get("has_more") or "")
    base = sample_request(session, env, op)
    auth = session.present(env, op.api)
    query = {k: v for k, v in base.get("query", {}).items() if k not in {size, offset_name, "filter"}}
    pages = []
    for offset in (0, limit):
        request = {**base, "query": {**query, size: limit, offset_name: offset}}
        response = send_sample(session, env, op, auth, request)
        pages.append(response.json() if response.is_success else {})
    first, second = pages
    total = first.get(total_field)
    items = [first.get(items_field, []), second.get(items_field, [])]
    if not isinstance(total, int) or total <= limit:
        return False
    keys = [{_identity(item) for item in page} for page in items]
    problems = []
    if keys[0] & keys[1]:
        problems.append("the second page repeats items of the first (offset ignored)")
    more = first.get(more_field) if more_field else True
    if more is not True:
        problems.append(f"{more_field} is {more!r} on the first page although {total_field} is {total}")
    last = send_sample(session, env, op, auth, {**base, "query": {**query, size: 1, offset_name: total - 1}})
    tail = last.json() if last.is_success else {}
    tail_items = tail.get(items_field) if isinstance(tail, dict) else None
    if last.is_success and isinstance(tail_items, list) and len(tail_items) != 1:
        problems.append(
            f"{offset_name}={total - 1} (the last item by {total_field}={total}) returned {len(tail_items)} items"
        )
    if last.is_success and more_field and isinstance(tail, dict) and tail.get(more_field) is not False:
        problems.append(f"{more_field} is {tail.get(more_field)!r} on the last page")
    if problems:
        breach(
            ContractViolation(
                Category.CONTRACT,
                "pagination_consistent",
                "; ".join(problems),
                received=f"page 1 {more_field}={more!r}, {total_field}={total}",
                documented=f"{offset_name} skips items; {more_field} true while {offset_name} + items < {total_field}",
                operation=f"{op.api} {op.label} ({env})",
                source=str(op.raw.get("x-source", "the operation's x-apiconform-records.page"))[:300],
            )
        )
    return True


def _identity(item: Any) -> str:
    if isinstance(item, dict):
        for key, value in item.items():
            if key.endswith("_sid") or key.endswith("Id"):
                return f"{key}={value}"
    return repr(item)
