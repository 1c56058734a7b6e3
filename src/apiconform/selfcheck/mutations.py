"""Mutation-style check of the schemas: which constraint catches which defect, and which catch none.

For every defect, the sandbox's defective answers (witnesses) are collected over HTTP and validated
against the documented response schemas. Then each constraint of each schema is weakened on its own
(drop a required key, widen a type, drop an enum, a pattern, a bound, additionalProperties: false):
if a witness that failed now passes, that constraint is what catches the defect, and weakening it
would let the regression through. Constraints that no defect exercises are listed as gaps.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from apiconform.checks.samples import sample_requests, send_sample
from apiconform.config.model import Environment
from apiconform.contracts import load_api
from apiconform.sandbox.defects import DEFECTS
from apiconform.targets.budget import RequestBudget
from apiconform.targets.client import TargetClient
from apiconform.targets.embedded import start_embedded
from apiconform.targets.profiles import profile_named
from apiconform.targets.session import Operation, TargetSession

REMOVABLE = (
    "type",
    "enum",
    "const",
    "pattern",
    "format",
    "maxItems",
    "minItems",
    "maxLength",
    "minLength",
    "maximum",
    "minimum",
)
JSON = dict[str, Any]


@dataclass(frozen=True)
class Witness:
    defect: str
    api: str
    operation: str
    status: int
    schema_ref: str
    body: Any


@dataclass(frozen=True)
class Mutation:
    api: str
    component: str  # schema file, e.g. att/end-customer.json
    pointer: str  # JSON pointer of the subschema inside the file
    change: str  # e.g. "drop required 'loaStatus'", "drop type"
    components: JSON  # the API's components/schemas with this one change

    @property
    def constraint(self) -> str:
        return f"{self.component}#{self.pointer}: {self.change}"


def _success_ref(op: Operation, status: int) -> str | None:
    response = op.raw.get("responses", {}).get(str(status), {})
    schema = (response.get("content") or {}).get("application/json", {}).get("schema", {})
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    return ref if isinstance(ref, str) and ref.startswith("#/components/schemas/") else None


def collect_witnesses(defect: str | None) -> list[Witness]:
    """Successful JSON answers of every operation, with the defect on (None: the clean sandbox)."""
    server, target = start_embedded([defect] if defect else [])
    client = TargetClient(RequestBudget(5000, 20_000), allow_writes=True)
    session = TargetSession(target, client, profile_named("quick"))
    witnesses: list[Witness] = []
    try:
        for api in target.apis():
            for op in session.operations(api):
                env: Environment = "sandbox"
                for request in sample_requests(session, env, op):
                    if op.issues_tokens:
                        response = session.tokens.request(env, api, session.require_role(env, api))
                    else:
                        response = send_sample(session, env, op, session.present(env, api), request)
                    ref = _success_ref(op, response.status_code)
                    if ref and "json" in response.headers.get("content-type", ""):
                        witnesses.append(
                            Witness(
                                defect or "(none)",
                                api,
                                op.operation_id,
                                response.status_code,
                                ref,
                                response.json(),
                            )
                        )
    finally:
        client.close()
        server.stop()
    return witnesses


def _subschemas(node: Any, pointer: str = "") -> Iterator[tuple[str, JSON]]:
    if isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            if key not in ("examples", "x-source", "enum", "const", "required"):
                yield from _subschemas(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _subschemas(value, f"{pointer}/{index}")


def _changes(schema: JSON) -> Iterator[tuple[str, JSON]]:
    for key in REMOVABLE:
        if key in schema:
            weakened = {k: v for k, v in schema.items() if k != key}
            yield f"drop {key} {schema[key]!r}"[:80], weakened
    if schema.get("additionalProperties") is False:
        yield "allow additional properties", {**schema, "additionalProperties": True}
    for name in schema.get("required", []):
        yield f"drop required {name!r}", {**schema, "required": [r for r in schema["required"] if r != name]}


def _set(root: JSON, pointer: str, value: JSON) -> JSON:
    if not pointer:
        return value
    out = copy.deepcopy(root)
    parts = pointer.strip("/").split("/")
    node: Any = out
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return out


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            yield ref.split("/")[3]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def response_components(bundled: JSON) -> set[str]:
    """Components reachable from some response body: the constraints a defective answer can trip."""
    components = bundled.get("components", {}).get("schemas", {})
    pending = [
        name
        for item in bundled.get("paths", {}).values()
        for operation in item.values()
        if isinstance(operation, dict)
        for name in _refs(operation.get("responses", {}))
    ]
    pending += [
        name for response in bundled.get("components", {}).get("responses", {}).values() for name in _refs(response)
    ]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name not in seen and name in components:
            seen.add(name)
            pending.extend(_refs(components[name]))
    return seen


def mutations(api: str) -> Iterator[Mutation]:
    """One weakened constraint at a time, in the schemas that describe responses."""
    bundled = load_api(api).bundled
    components: JSON = bundled.get("components", {}).get("schemas", {})
    reachable = response_components(bundled)
    for name, schema in components.items():
        if name not in reachable:
            continue
        file = name.replace("__", "/") + ".json"
        for pointer, sub in _subschemas(schema):
            for change, weakened in _changes(sub):
                mutated = {**components, name: _set(schema, pointer, weakened)}
                yield Mutation(api, file, pointer or "/", change, mutated)


def _valid(components: JSON, ref: str, body: Any) -> bool:
    validator = Draft202012Validator(
        {"$ref": ref, "components": {"schemas": components}},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    return bool(validator.is_valid(body))


@dataclass
class MutationReport:
    exercised: dict[str, set[str]]  # constraint -> defects it catches
    unexercised: list[str]
    witnesses: int
    failing_witnesses: int


def analyse(defects: list[str] | None = None) -> MutationReport:
    chosen = defects if defects is not None else sorted(DEFECTS)
    failing: list[Witness] = []
    total = 0
    for defect in chosen:
        for witness in collect_witnesses(defect):
            total += 1
            components = load_api(witness.api).bundled.get("components", {}).get("schemas", {})
            if not _valid(components, witness.schema_ref, witness.body):
                failing.append(witness)
    exercised: dict[str, set[str]] = {}
    constraints: set[str] = set()
    for api in [d.name for d in _apis()]:
        for mutation in mutations(api):
            constraints.add(mutation.constraint)
            caught = {w.defect for w in failing if w.api == api and _valid(mutation.components, w.schema_ref, w.body)}
            if caught:
                exercised.setdefault(mutation.constraint, set()).update(caught)
    return MutationReport(exercised, sorted(constraints - set(exercised)), total, len(failing))


def _apis() -> list[Any]:
    from apiconform.contracts import api_documents

    return [d for d in api_documents() if not d.portal]
