"""Reading the two sides of ``apiconform diff``: JSON Schema and OpenAPI files (JSON or YAML), or folders of them.

External ``$ref``s are bundled by the loader's own bundler (the one every contract goes through), then every
local ``#/...`` reference is inlined, so two documents that split the same schema differently across files
compare equal. Each inlined node keeps where it came from under ``ORIGIN``, so a change in a schema shared by
many operations can be reported once, with its direction taken over all its uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

from apiconform.contracts.import_document import read_document

# The bundler is the loader's; it is private there because only contracts code should bundle.
from apiconform.contracts.loader import _bundle, _component_name
from apiconform.errors import ConfigError, UsageError

JSON = dict[str, Any]
Kind = Literal["openapi", "schema"]
ORIGIN = "x-apiconform-diff-origin"  # an x- key, so the comparison ignores it like any extension
SUFFIXES = (".json", ".yaml", ".yml")
# a mapping with one of these at the top is a JSON Schema
SCHEMA_KEYWORDS = frozenset(
    {"$schema", "$ref", "type", "properties", "items", "allOf", "anyOf", "oneOf", "enum", "const", "$defs"}
    | {"definitions", "not", "required", "additionalProperties", "prefixItems", "patternProperties"}
)
_DATA_KEYS = frozenset({"example", "examples", "enum", "const", "default"})  # values, never references
# maps whose keys are names (a property called "example", a header called "x-trace-id"), not keywords
_NAME_MAPS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "schemas", "paths"}
    | {"headers", "responses", "content", "callbacks", "links", "encoding", "securitySchemes", "requestBodies"}
)
_HINT = "give a JSON Schema or OpenAPI 3.x file (JSON or YAML), or a folder of them"


@dataclass(frozen=True)
class Contract:
    """One side's file: its kind, its tree with every reference inlined, the schema files it pulls in."""

    path: Path
    kind: Kind
    tree: JSON
    pulls: frozenset[str]  # bundler names of the files its references reach (see ``file_name``)


def file_name(path: Path) -> str:
    """The bundler's name for a file (its absolute path), to tell which files a document pulls in."""
    resolved = path.resolve()
    return _component_name(resolved, Path(resolved.anchor))


def contract_kind(data: JSON, path: Path) -> Kind | None:
    """``openapi``, ``schema``, or None for a mapping that is neither."""
    if "openapi" in data:
        if not str(data["openapi"]).startswith("3."):
            raise UsageError(f"{path}: OpenAPI {data['openapi']} is not supported; give an OpenAPI 3.0 or 3.1 document")
        return "openapi"
    if "swagger" in data:
        raise UsageError(
            f"{path}: a Swagger {data['swagger']} document; convert it first, e.g. "
            f"`npx swagger2openapi {path} --yaml -o {path.stem}.openapi3.yaml`, and diff that"
        )
    return "schema" if data.keys() & SCHEMA_KEYWORDS else None


def load_contract(path: Path, label: str) -> Contract | None:
    """A file as a contract (None when it is neither kind); ``label`` names it in origins (its relative path)."""
    try:
        data = read_document(path)
    except ConfigError as exc:
        message = str(exc)
        if "the top level is" in message:  # the importer's wording asks for an OpenAPI document only
            message = f"{path}: the top level is not a mapping; {_HINT}"
        raise UsageError(message) from None
    kind = contract_kind(data, path)
    if kind is None:
        return None
    resolved = path.resolve()
    try:
        bundled = _bundle(data, resolved, Path(resolved.anchor))
    except ConfigError as exc:  # a $ref to a missing or broken file
        message = str(exc)
        if message.split(":", 1)[0].endswith((".yaml", ".yml")):  # the contracts' bundler reads JSON files only
            raise UsageError(
                f"{message.split(':', 1)[0]}: a $ref'd file must be JSON; convert it, or bundle {path} into one "
                f"file first (e.g. `npx @redocly/cli bundle {path} -o bundled.yaml`)"
            ) from None
        raise UsageError(f"{message}; fix the reference") from None
    own = data.get("components", {}).get("schemas", {}) if isinstance(data.get("components"), dict) else {}
    pulled = frozenset(bundled["components"]["schemas"]) - frozenset(own)
    resolver = _Resolver(bundled, path, label, pulled)
    if kind == "schema":
        root = {key: value for key, value in bundled.items() if key != "components" or "components" in data}
        tree = resolver.walk(root, frozenset())
    else:
        components: JSON = bundled.get("components") or {}
        tree = {
            "paths": resolver.walk(bundled.get("paths") or {}, frozenset(), names=True),
            "security": bundled.get("security") or [],
            "securitySchemes": resolver.walk(components.get("securitySchemes") or {}, frozenset(), names=True),
        }
    return Contract(path=path, kind=kind, tree=tree, pulls=pulled)


def folder_contracts(folder: Path) -> dict[str, Contract]:
    """Every contract file under a folder by relative path; files that are neither kind are left out."""
    found: dict[str, Contract] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.suffix not in SUFFIXES or not path.is_file():
            continue
        if any(part.startswith(".") or part == "node_modules" for part in relative.parts):
            continue
        contract = load_contract(path, relative.as_posix())
        if contract is not None:
            found[relative.as_posix()] = contract
    return found


def check_input(path: Path) -> None:
    """A missing OLD or NEW is a usage error naming it."""
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder; {_HINT}")


class _Resolver:
    """Inlines local references of a bundled document, each target once (shared, so memory stays small)."""

    def __init__(self, root: JSON, path: Path, label: str, pulled: frozenset[str]) -> None:
        self.root, self.path, self.label, self.pulled = root, path, label, pulled
        self.memo: dict[str, Any] = {}

    def origin(self, ref: str) -> str:
        """Files pulled in are one origin for every document of a folder; local components are per file."""
        name = ref.removeprefix("#/components/schemas/").split("/", 1)[0]
        return (
            f"file:{ref}" if ref.startswith("#/components/schemas/") and name in self.pulled else f"{self.label}{ref}"
        )

    def target(self, ref: str) -> Any:
        node: Any = self.root
        for token in ref[1:].split("/")[1:] if ref != "#" else []:
            token = unquote(token).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise UsageError(f"{self.path}: $ref {ref!r} points to nothing; fix the reference")
        return node

    def walk(self, node: Any, stack: frozenset[str], names: bool = False) -> Any:
        """``node`` with its references inlined; ``names``: a map of names to objects (``properties``)."""
        if isinstance(node, list):
            return [self.walk(item, stack) for item in node]
        if not isinstance(node, dict):
            return node
        if names:
            return {key: self.walk(value, stack) for key, value in node.items()}
        ref = node.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith("#"):
                raise UsageError(f"{self.path}: $ref {ref!r} could not be bundled; use a relative file path")
            if ref in stack:  # a recursive schema: compared down to the recursion, not through it
                return {ORIGIN: self.origin(ref), "x-apiconform-diff-recursive": ref}
            if ref not in self.memo:
                resolved = self.walk(self.target(ref), stack | {ref})
                self.memo[ref] = {**resolved, ORIGIN: self.origin(ref)} if isinstance(resolved, dict) else resolved
            siblings = {key: value for key, value in node.items() if key != "$ref"}
            if not siblings:
                return self.memo[ref]
            return {"allOf": [self.memo[ref], self.walk(siblings, stack)]}
        out: JSON = {}
        for key, value in node.items():
            literal = key in _DATA_KEYS or key.startswith("x-")
            out[key] = value if literal else self.walk(value, stack, key in _NAME_MAPS)
        return out
