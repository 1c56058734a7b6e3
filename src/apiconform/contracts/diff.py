"""``apiconform diff OLD NEW``: the changes between two versions of a contract, each breaking or not.

OLD and NEW are two OpenAPI documents, two JSON Schemas, or two folders of them (files matched by relative
path). Operations are matched by method and path template (``{id}`` and ``{userId}`` are the same slot),
parameters by location and name, responses by status; schemas are compared by ``diff_schema``, verdicts
come from ``diff_rules``. A change found at several places (a schema shared by operations, a bare schema
seen as request and as response) is one ``Change`` with the stricter verdict and every place in ``also``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from apiconform.contracts.diff_load import Contract, check_input, file_name, folder_contracts, load_contract
from apiconform.contracts.diff_rules import BREAKING, OPERATION_KINDS, Direction, Rule, Subject, Verdict, schema_rule
from apiconform.contracts.diff_schema import NONE, Finding, Place, SchemaComparer, canonical, fingerprint
from apiconform.errors import UsageError

JSON = dict[str, Any]
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})  # OpenAPI: described elsewhere


@dataclass(frozen=True)
class Change:
    """One change with its verdict; ``also`` lists the other places the same change shows."""

    verdict: Verdict
    rule: str
    direction: Literal["request", "response", "both"]
    file: str
    operation: str
    status: str
    field: str
    old: str
    new: str
    also: tuple[str, ...] = ()

    @property
    def location(self) -> str:
        """``POST /api/v1/customerAccountLookup request body.accountName``."""
        return " ".join(part for part in (self.file, self.operation, self.status, self.field) if part)

    def as_json(self) -> JSON:
        return {
            "class": self.verdict,
            "rule": self.rule,
            "direction": self.direction,
            "location": self.location,
            "file": self.file,
            "operation": self.operation,
            "status": self.status,
            "field": self.field,
            "old": self.old,
            "new": self.new,
            "also": list(self.also),
        }


def diff_paths(old: Path, new: Path) -> list[Change]:
    """Every change from OLD to NEW, breaking ones first; bad input is a ``UsageError``."""
    check_input(old)
    check_input(new)
    if old.is_dir() != new.is_dir():
        kinds = ("a folder" if old.is_dir() else "a file", "a folder" if new.is_dir() else "a file")
        raise UsageError(f"{old} is {kinds[0]} but {new} is {kinds[1]}; give two files or two folders")
    if old.is_dir():
        return group(_diff_folders(old, new))
    sides = []
    for path in (old, new):
        contract = load_contract(path, "")
        if contract is None:
            raise UsageError(
                f"{path}: neither an OpenAPI 3.x document (no `openapi` field) nor a JSON Schema (no schema "
                "keyword such as `type` or `properties`); give a contract file"
            )
        sides.append(contract)
    if sides[0].kind != sides[1].kind:
        name = {"openapi": "an OpenAPI document", "schema": "a JSON Schema"}
        raise UsageError(
            f"{old} is {name[sides[0].kind]} but {new} is {name[sides[1].kind]}; compare two of the same kind"
        )
    return group(_diff_pair(sides[0], sides[1], ""))


def _diff_pair(old: Contract, new: Contract, file: str) -> list[Finding]:
    if old.kind == "openapi":
        return diff_documents(old.tree, new.tree, file)
    out: list[Finding] = []
    for direction in ("request", "response"):  # a bare schema may be either: the stricter verdict wins
        SchemaComparer(out, Place(file), direction, "body").compare(old.tree, new.tree, "", f"{file}|")
    return out


def _diff_folders(old: Path, new: Path) -> list[Finding]:
    """Files by relative path; a schema a document pulls in is compared where the document uses it."""
    sides = folder_contracts(old), folder_contracts(new)
    pulled = [set().union(*(c.pulls for c in side.values() if c.kind == "openapi")) for side in sides]
    out: list[Finding] = []
    for relative in sorted(sides[0].keys() | sides[1].keys()):
        was, now = sides[0].get(relative), sides[1].get(relative)
        covered = (
            c is not None and c.kind == "schema" and file_name(c.path) in p
            for c, p in zip((was, now), pulled, strict=True)
        )
        if any(covered):
            continue
        if was is not None and now is not None and was.kind == now.kind:
            out += _diff_pair(was, now, relative)
            continue
        if was is not None:
            out += _one_sided(was, relative, removed=True)
        if now is not None:
            out += _one_sided(now, relative, removed=False)
    return out


def _one_sided(contract: Contract, file: str, removed: bool) -> list[Finding]:
    """A file on one side only: an OpenAPI document's every operation, or the schema file itself."""
    if contract.kind == "openapi":
        return diff_documents(contract.tree, {}, file) if removed else diff_documents({}, contract.tree, file)
    kind, old, new = ("schema-file-removed", file, NONE) if removed else ("schema-file-added", NONE, file)
    return [Finding(kind, Place(file), "", old, new, f"{file}|file")]


def diff_documents(old: JSON, new: JSON, file: str) -> list[Finding]:
    """The findings between two dereferenced OpenAPI documents (``{}`` for a document that is not there)."""
    return _DocumentDiff(old, new, file).run()


def _template(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def _operations(document: JSON) -> dict[tuple[str, str], tuple[str, JSON, JSON]]:
    found = {}
    for path, item in (document.get("paths") or {}).items():
        if isinstance(item, dict):
            for method in METHODS:
                if isinstance(item.get(method), dict):
                    found[_template(path), method] = (path, item, item[method])
    return found


def _parameters(path: str, item: JSON, operation: JSON) -> dict[tuple[str, str], JSON]:
    """Path-level then operation-level parameters by (in, name); path parameters by position in the path."""
    slots = re.findall(r"\{([^}]*)\}", path)
    found: dict[tuple[str, str], JSON] = {}
    for parameter in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]:
        if not isinstance(parameter, dict) or not isinstance(parameter.get("name"), str):
            continue
        where, name = str(parameter.get("in")), parameter["name"]
        if where == "header" and name.lower() in IGNORED_HEADERS:
            continue
        if where == "path" and name in slots:
            key = ("path", str(slots.index(name)))
        else:
            key = (where, name.lower() if where == "header" else name)
        found[key] = parameter
    return found


def _parameter_label(parameter: JSON) -> str:
    where, name = parameter.get("in"), parameter.get("name")
    return f"header {name}" if where == "header" else f"{where}.{name}"


def _content_schema(holder: JSON) -> Any:
    if "schema" in holder:
        return holder["schema"]
    media = _media(holder)
    return next(iter(media.values())).get("schema", {}) if media else {}


def _media(holder: Any) -> dict[str, JSON]:
    content = holder.get("content") if isinstance(holder, dict) else None
    if not isinstance(content, dict):
        return {}
    return {key.lower().replace(" ", ""): value for key, value in content.items() if isinstance(value, dict)}


def _alternatives(requirements: Any) -> set[frozenset[tuple[str, frozenset[str]]]]:
    """Security as a set of alternatives, each a set of (scheme, scopes); no security is one empty alternative."""
    alternatives = set()
    for requirement in requirements if isinstance(requirements, list) else []:
        if isinstance(requirement, dict):
            alternatives.add(frozenset((name, frozenset(scopes or [])) for name, scopes in requirement.items()))
    return alternatives or {frozenset()}


def _accepted(credentials: frozenset[tuple[str, frozenset[str]]], alternatives: Iterable[frozenset[Any]]) -> bool:
    """Whether a consumer holding these credentials meets one of the alternatives."""
    held = dict(credentials)
    return any(all(name in held and scopes <= held[name] for name, scopes in alt) for alt in alternatives)


def _security_text(alternatives: set[frozenset[tuple[str, frozenset[str]]]]) -> str:
    def one(alt: frozenset[tuple[str, frozenset[str]]]) -> str:
        parts = [name + (f"[{','.join(sorted(scopes))}]" if scopes else "") for name, scopes in sorted(alt)]
        return "+".join(parts) or "anonymous"

    return " | ".join(sorted(one(alt) for alt in alternatives))


class _DocumentDiff:
    def __init__(self, old: JSON, new: JSON, file: str) -> None:
        self.old, self.new, self.file = old, new, file
        self.out: list[Finding] = []

    def emit(self, kind: str, place: Place, field: str, old: str, new: str, origin: str = "") -> None:
        where = origin or f"{place.file}|{place.operation}|{place.status}|{field}"
        self.out.append(Finding(kind, place, field, old, new, where))

    def schemas(self, old: Any, new: Any, place: Place, field: str, direction: Direction, subject: Subject) -> None:
        origin = f"{place.file}|{place.operation}|{place.status}|{field}"
        SchemaComparer(self.out, place, direction, subject).compare(old, new, field, origin)

    def run(self) -> list[Finding]:
        old_ops, new_ops = _operations(self.old), _operations(self.new)
        new_templates = {template for template, _ in new_ops}
        for key in sorted(old_ops.keys() | new_ops.keys()):
            template, method = key
            if key not in new_ops:
                path = old_ops[key][0]
                kind = "operation-removed" if template in new_templates else "path-removed"
                label = f"{method.upper()} {path}"
                self.emit(kind, Place(self.file, label), "", label, NONE)
            elif key not in old_ops:
                label = f"{method.upper()} {new_ops[key][0]}"
                self.emit("operation-added", Place(self.file, label), "", NONE, label)
            else:
                self.operation(method, old_ops[key], new_ops[key])
        return self.out

    def operation(self, method: str, old: tuple[str, JSON, JSON], new: tuple[str, JSON, JSON]) -> None:
        (_, old_item, old_op), (path, new_item, new_op) = old, new
        label = f"{method.upper()} {path}"
        self.parameters(_parameters(old[0], old_item, old_op), _parameters(path, new_item, new_op), label)
        self.request_body(old_op.get("requestBody"), new_op.get("requestBody"), Place(self.file, label, "request"))
        old_responses, new_responses = (
            {str(k).upper(): v for k, v in (op.get("responses") or {}).items() if isinstance(v, dict)}
            for op in (old_op, new_op)
        )
        for status in sorted(old_responses.keys() | new_responses.keys()):
            place = Place(self.file, label, status)
            success = "success" if status.startswith("2") else "non-success"
            if status not in new_responses:
                self.emit(f"{success}-status-removed", place, "", status, NONE)
            elif status not in old_responses:
                self.emit(f"{success}-status-added", place, "", NONE, status)
            else:
                self.response(old_responses[status], new_responses[status], place)
        self.security(old_op, new_op, Place(self.file, label))

    def parameters(self, old: dict[tuple[str, str], JSON], new: dict[tuple[str, str], JSON], label: str) -> None:
        place = Place(self.file, label, "request")
        for key in sorted(old.keys() | new.keys()):
            was, now = old.get(key), new.get(key)
            if now is None and was is not None:
                self.emit(
                    "parameter-removed",
                    place,
                    _parameter_label(was),
                    "optional" if not was.get("required") else "required",
                    NONE,
                )
                continue
            assert now is not None
            field = _parameter_label(now)
            if was is None:
                required = bool(now.get("required")) or now.get("in") == "path"
                kind = (
                    "path-parameter-added"
                    if now.get("in") == "path"
                    else "parameter-added-required"
                    if required
                    else "parameter-added-optional"
                )
                self.emit(kind, place, field, NONE, "required" if required else "optional")
                continue
            if bool(was.get("required")) != bool(now.get("required")):
                kind = "parameter-became-required" if now.get("required") else "parameter-became-optional"
                texts = ("optional", "required")
                self.emit(kind, place, field, texts[bool(was.get("required"))], texts[bool(now.get("required"))])
            self.schemas(_content_schema(was), _content_schema(now), place, field, "request", "parameter")

    def request_body(self, old: Any, new: Any, place: Place) -> None:
        if not isinstance(old, dict) and not isinstance(new, dict):
            return
        texts = ("optional", "required")
        if not isinstance(new, dict):
            self.emit("request-body-removed", place, "body", texts[bool(old.get("required"))], NONE)
            return
        if not isinstance(old, dict):
            kind = "request-body-added-required" if new.get("required") else "request-body-added-optional"
            self.emit(kind, place, "body", NONE, texts[bool(new.get("required"))])
            return
        if bool(old.get("required")) != bool(new.get("required")):
            kind = "request-body-became-required" if new.get("required") else "request-body-became-optional"
            self.emit(kind, place, "body", texts[bool(old.get("required"))], texts[bool(new.get("required"))])
        self.content(_media(old), _media(new), place, "request")

    def content(self, old: dict[str, JSON], new: dict[str, JSON], place: Place, direction: Direction) -> None:
        for media in sorted(old.keys() | new.keys()):
            if media not in new:
                self.emit(f"{direction}-media-type-removed", place, f"content {media}", media, NONE)
            elif media not in old:
                self.emit(f"{direction}-media-type-added", place, f"content {media}", NONE, media)
            else:
                self.schemas(
                    old[media].get("schema", {}), new[media].get("schema", {}), place, "body", direction, "body"
                )

    def response(self, old: JSON, new: JSON, place: Place) -> None:
        old_headers, new_headers = (
            {str(k).lower(): (str(k), v) for k, v in (side.get("headers") or {}).items() if isinstance(v, dict)}
            for side in (old, new)
        )
        texts = ("optional", "required")
        for key in sorted((old_headers.keys() | new_headers.keys()) - {"content-type"}):
            if key not in new_headers:
                name, header = old_headers[key]
                kind = (
                    "required-response-header-removed" if header.get("required") else "optional-response-header-removed"
                )
                self.emit(kind, place, f"header {name}", texts[bool(header.get("required"))], NONE)
                continue
            name, header = new_headers[key]
            if key not in old_headers:
                self.emit("response-header-added", place, f"header {name}", NONE, texts[bool(header.get("required"))])
                continue
            was = old_headers[key][1]
            if bool(was.get("required")) != bool(header.get("required")):
                kind = (
                    "response-header-became-required" if header.get("required") else "response-header-became-optional"
                )
                self.emit(
                    kind, place, f"header {name}", texts[bool(was.get("required"))], texts[bool(header.get("required"))]
                )
            self.schemas(_content_schema(was), _content_schema(header), place, f"header {name}", "response", "header")
        self.content(_media(old), _media(new), place, "response")

    def security(self, old_op: JSON, new_op: JSON, place: Place) -> None:
        old_alts = _alternatives(old_op["security"] if "security" in old_op else self.old.get("security"))
        new_alts = _alternatives(new_op["security"] if "security" in new_op else self.new.get("security"))
        if old_alts != new_alts:
            tightened = any(not _accepted(alt, new_alts) for alt in old_alts)
            kind = "security-tightened" if tightened else "security-loosened"
            self.emit(kind, place, "security", _security_text(old_alts), _security_text(new_alts))
        old_schemes, new_schemes = self.old.get("securitySchemes") or {}, self.new.get("securitySchemes") or {}
        used = {name for alt in old_alts for name, _ in alt} & {name for alt in new_alts for name, _ in alt}
        for name in sorted(used):
            was, now = old_schemes.get(name), new_schemes.get(name)
            if isinstance(was, dict) and isinstance(now, dict) and fingerprint(was) != fingerprint(now):
                origin = f"{self.file}|securitySchemes/{name}"
                old_text, new_text = (_scheme_text(s) for s in (was, now))
                self.emit("security-scheme-changed", place, f"security {name}", old_text, new_text, origin)


def _scheme_text(scheme: JSON) -> str:
    plain = canonical(scheme)
    parts = [str(plain.get(key)) for key in ("type", "in", "name", "scheme", "bearerFormat") if key in plain]
    return " ".join(parts) + (" (flows changed)" if "flows" in plain else "")


def _resolve(finding: Finding) -> tuple[Rule, Literal["request", "response", "both"]]:
    if finding.direction is not None:
        rule = schema_rule(finding.kind, finding.direction, finding.subject, finding.keyword)
        return rule, finding.direction
    rule, direction = OPERATION_KINDS[finding.kind]
    return rule, direction


def group(findings: list[Finding]) -> list[Change]:
    """One ``Change`` per distinct change (same origin, kind and values): the stricter verdict, every place."""
    groups: dict[tuple[str, str, str, str, str], list[Finding]] = {}
    for finding in findings:
        key = (finding.origin, finding.kind, finding.old, finding.new, finding.keyword)
        groups.setdefault(key, []).append(finding)
    changes = []
    for members in groups.values():
        resolved = [(*_resolve(f), f) for f in members]
        directions = {direction for _, direction, _ in resolved}
        rule, _, first = min(resolved, key=lambda r: (r[0].verdict != BREAKING, r[1] != "request", r[0].id))
        direction = "both" if "both" in directions or len(directions) > 1 else directions.pop()
        place = first.place
        fields = (place.file, place.operation, place.status, first.field, first.old, first.new)
        change = Change(rule.verdict, rule.id, direction, *fields)
        others = tuple(sorted({_location(f) for f in members} - {change.location}))
        changes.append(Change(rule.verdict, rule.id, direction, *fields, also=others))
    return sorted(changes, key=lambda c: (c.verdict != BREAKING, c.file, c.operation, c.status, c.field, c.rule, c.old))


def _location(finding: Finding) -> str:
    place = finding.place
    return " ".join(part for part in (place.file, place.operation, place.status, finding.field) if part)
