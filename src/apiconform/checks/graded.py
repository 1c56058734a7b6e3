"""Schema validation that knows how strong each broken rule is.

jsonschema reports every error with the path through the schema that produced it; the grade of an error is
the weakest link on that path (each node's ``x-apiconform-grade`` or ``x-source``, for the keyword the path
goes through), after the links outside the schema (the operation, the response that is assumed to carry
this body). Every error is kept, so the caller can let the first documented one decide and warn about the
rest instead of stopping at whatever jsonschema met first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from apiconform.checks.failures import ContractViolation, decide
from apiconform.contracts import refs
from apiconform.contracts.grades import Grade, node_grade, weakest
from apiconform.contracts.schema_walk import MAP_KEYWORDS
from apiconform.reporting.redaction import redact_text

JSON = dict[str, Any]
MAX_REPORTED = 8


@dataclass(frozen=True)
class Breach:
    """One broken schema rule: where in the instance, what, and how strong the rule is."""

    grade: Grade
    path: str
    text: str


def _keyword(error: ValidationError) -> str:
    """The keyword a grade map is asked for: ``required:<property>``, ``type:null`` (a null where the schema
    allows none: nullability is often all a sample does not show), else the validator's name."""
    if error.validator == "required" and isinstance(error.message, str):
        missing = error.message.split("'")[1] if error.message.count("'") >= 2 else ""
        return f"required:{missing}" if missing else "required"
    if error.validator == "type" and error.instance is None:
        return "type:null"
    return str(error.validator)


def _resolve(root: JSON, ref: str) -> Any:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(node, dict) else {}
    return node


def error_grade(root: JSON, error: ValidationError, links: Iterable[Grade | None] = ()) -> Grade:
    """The weakest link from ``links`` through every schema node on the error's path to its keyword."""
    grades = list(links)
    node: Any = root
    path = list(error.absolute_schema_path)
    in_map = False
    for index, step in enumerate(path):
        if not in_map:  # refs are transparent in the path: the next key belongs to the referenced schema
            node = _through_refs(root, node, step, grades)
        if isinstance(node, dict) and not in_map:
            last = index == len(path) - 1
            grades.append(node_grade(node, _keyword(error) if last else str(step)))
            if last and error.validator == "required":  # a property assumed as a whole is assumed present
                grades.append(node_grade(_property(node, _keyword(error)), "required"))
        in_map = not in_map and step in MAP_KEYWORDS
        node = node[step] if isinstance(node, (dict, list)) and _has(node, step) else {}
    return weakest(grades)


def _through_refs(root: JSON, node: Any, step: Any, grades: list[Grade | None]) -> Any:
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and step not in node and seen < 20:
        grades.append(node_grade(node, str(step)))
        node, seen = _resolve(root, node["$ref"]), seen + 1
    return node


def _property(schema: JSON, keyword: str) -> Any:
    properties = schema.get("properties")
    return properties.get(keyword.partition(":")[2]) if isinstance(properties, dict) else None


def _has(node: dict[str, Any] | list[Any], step: Any) -> bool:
    return step in node if isinstance(node, dict) else isinstance(step, int) and step < len(node)


def _describe(error: ValidationError) -> str:
    path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    value = error.instance
    received = "null" if value is None else type(value).__name__
    return redact_text(f"{path}: {error.validator} {error.validator_value!r} violated by {received} {value!r}")[:300]


_ROOTS: dict[tuple[int, int], tuple[JSON, JSON, JSON]] = {}  # (schema, document) ids -> the pair and its root
_VALIDATORS: dict[int, Draft202012Validator] = {}  # a root's id -> its validator (``validator.schema`` is the root)
_MAX_ROOTS = 2048


def rooted(schema: JSON, document: JSON) -> JSON:
    """``schema`` as a validation root that carries the document's components its refs need. The same pair
    gives the same root, whose validator is built once: building one (its reference registry) cost more than
    validating a refusal's body. Keyed by identity, the objects held so that their ids stay their own."""
    cached = _ROOTS.get((id(schema), id(document)))
    if cached is not None and cached[0] is schema and cached[1] is document:
        return cached[2]
    components = document.get("components", {})
    if "$ref" in schema:
        root = {"$ref": schema["$ref"], "components": components}
    else:
        root = {"$ref": "#/$defs/x", "$defs": {"x": schema}, "components": components}
    if len(_ROOTS) >= _MAX_ROOTS:
        _ROOTS.clear()
        _VALIDATORS.clear()
    _ROOTS[(id(schema), id(document))] = (schema, document, root)
    _VALIDATORS[id(root)] = _new_validator(root)
    return root


def _new_validator(schema: JSON) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_breaches(schema: JSON, instance: Any, links: Iterable[Grade | None] = ()) -> list[Breach]:
    """Every rule of ``schema`` the instance breaks (``schema`` carries the components its refs need),
    blocking ones first, then by instance path."""
    chain = list(links)
    validator = _VALIDATORS.get(id(schema))
    if validator is None or validator.schema is not schema:
        validator = _new_validator(schema)
    found = [
        Breach(error_grade(schema, error, chain), ".".join(map(str, error.absolute_path)), _describe(error))
        for error in validator.iter_errors(instance)
    ]
    return sorted(found, key=lambda b: (not b.grade.blocking, b.path, b.text))


def summary(breaches: list[Breach]) -> str:
    shown = "\n".join(f"{b.text} [{b.grade}]" for b in breaches[:MAX_REPORTED])
    more = f"\n... and {len(breaches) - MAX_REPORTED} more" if len(breaches) > MAX_REPORTED else ""
    return shown + more


def split(breaches: list[Breach]) -> tuple[list[Breach], list[Breach]]:
    """(blocking, warnings)."""
    return [b for b in breaches if b.grade.blocking], [b for b in breaches if not b.grade.blocking]


def documented_response(document: JSON, op: Any, status: int) -> JSON | None:
    """The operation's documented response for a status (exact, then ``4XX``-style, then ``default``), refs
    resolved; None when the status is undocumented."""
    return refs.documented_response(document, op.raw, status)[1]


def response_links(op_raw: JSON, response: JSON | None, aspect: str = "body") -> list[Grade | None]:
    """The links before the schema: the operation, and that this response carries this body/status/type."""
    return [node_grade(op_raw, None), node_grade(response, aspect)]


def report_breaches(breaches: list[Breach], make: Callable[[list[Breach]], ContractViolation]) -> None:
    """One violation for the blocking breaches (it decides) and one warning for the rest."""
    blocking, warnings = split(breaches)
    decide([make(group) for group in (blocking, warnings) if group])
