"""Load JSON Schemas and OpenAPI documents from ``schemas/``: the only module that reads them.

Schema files refer to each other with relative ``$ref`` paths (``../common/oauth-error.json``) and carry
``$id`` = ``SCHEMA_BASE_URI`` + their path under ``schemas/``, so a relative reference means the same
thing to a file-based reader and to a URI-based one. OpenAPI documents are *bundled* before use: every
external reference is inlined under ``components/schemas`` so that schemathesis, Prism and the
spec validator all see one self-contained document.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from apiconform.errors import ConfigError

SCHEMA_BASE_URI = "https://schemas.apiconform.dev/"
OPENAPI_SUFFIX = ".openapi.json"

JSON = dict[str, Any]


@cache
def schemas_dir() -> Path:
    """``schemas/`` of the checkout (found upward from this file), or the copy shipped beside the package."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "schemas"
        if (candidate / "common").is_dir():
            return candidate
    raise ConfigError(f"schemas/ not found above {here}; run apiconform from a checkout of the project")


def schema_files() -> list[Path]:
    """Every JSON Schema file (OpenAPI documents excluded), sorted for stable output."""
    root = schemas_dir()
    return sorted(p for p in root.rglob("*.json") if not p.name.endswith(OPENAPI_SUFFIX))


def schemas_fingerprint() -> str:
    """A short hash of every file under ``schemas/``: the contracts' version in reports."""
    digest = hashlib.sha256()
    root = schemas_dir()
    for path in sorted(root.rglob("*.json")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _read_json(path: Path) -> JSON:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a JSON object at the top level")
    return data


@cache
def _load_file(path: Path) -> JSON:
    return _read_json(path)


def load_schema(relative: str) -> JSON:
    """A schema by its path under ``schemas/`` (``att/end-customer.json``); a fresh copy each call."""
    path = schemas_dir() / relative
    if not path.is_file():
        raise ConfigError(f"schema {relative!r} not found under {schemas_dir()}")
    return copy.deepcopy(_load_file(path))


@cache
def schema_registry() -> Registry:
    """A referencing registry holding every schema under its ``$id`` (and under its file URI)."""
    resources: list[tuple[str, Resource]] = []
    root = schemas_dir()
    for path in schema_files():
        contents = _load_file(path)
        resource = DRAFT202012.create_resource(contents)
        uri = SCHEMA_BASE_URI + path.relative_to(root).as_posix()
        resources.append((uri, resource))
        declared = contents.get("$id")
        if isinstance(declared, str) and declared != uri:
            resources.append((declared, resource))
    return Registry().with_resources(resources)


@cache
def validator_for(relative: str) -> Draft202012Validator:
    """A draft 2020-12 validator for one schema file, with every ``$ref`` resolvable. One per file: a validator is
    immutable, and building it was a third of the sandbox's time on a portal request that validates its body."""
    schema = _load_file(schemas_dir() / relative)
    return Draft202012Validator(schema, registry=schema_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER)


@dataclass(frozen=True)
class ApiDocument:
    """One OpenAPI document: its name (file stem), vendor folder, raw and bundled forms."""

    name: str
    vendor: str
    path: Path
    raw: JSON = field(repr=False)
    bundled: JSON = field(repr=False)

    @property
    def shipped(self) -> bool:
        """A contract of ``schemas/`` (not of a user's folder)."""
        return self.path.is_relative_to(schemas_dir())

    @property
    def portal(self) -> bool:
        """A developer portal's document (``info.x-apiconform-portal``), not a vendor API."""
        return bool(self.raw.get("info", {}).get("x-apiconform-portal"))

    @property
    def title(self) -> str:
        return str(self.raw.get("info", {}).get("title", self.name))

    def operations(self) -> Iterator[tuple[str, str, JSON]]:
        """(METHOD, path, operation object) for every operation, in document order."""
        for path, item in self.bundled.get("paths", {}).items():
            for method, operation in item.items():
                if method in {"get", "put", "post", "delete", "patch", "head", "options"}:
                    yield method.upper(), path, operation


_EXTRA_ROOTS: list[Path] = []
_OVERLAYS: dict[str, Path] = {}


def set_overlays(overlays: dict[str, Path]) -> None:
    """The overlay each API of this run's target applies (``apis.<api>.overlay``); the config layer calls it."""
    _OVERLAYS.clear()
    _OVERLAYS.update(overlays)


def set_contract_folders(folders: list[Path]) -> None:
    """Add users' contract folders (laid out like ``schemas/``) to the shipped ones; the config layer calls it."""
    resolved = [folder.resolve() for folder in folders]
    for folder in resolved:
        if not folder.is_dir():
            raise ConfigError(f"contract folder {folder} not found; create it or remove it from 'contracts'")
    _EXTRA_ROOTS[:] = resolved


def contract_roots() -> list[Path]:
    """Where OpenAPI documents are looked up: ``schemas/`` first, then the users' folders in the order given."""
    return [schemas_dir(), *_EXTRA_ROOTS]


def _document_paths() -> dict[str, Path]:
    """API name (file stem) -> document path over every root; a name defined twice is a configuration error."""
    found: dict[str, Path] = {}
    for root in contract_roots():
        for path in sorted(root.rglob("*" + OPENAPI_SUFFIX)):
            name = path.name[: -len(OPENAPI_SUFFIX)]
            if name in found:
                raise ConfigError(
                    f"{path}: API name {name!r} is already defined by {found[name]}; rename the file "
                    "(the file stem is the API name)"
                )
            found[name] = path
    return found


def api_documents() -> list[ApiDocument]:
    """Every OpenAPI document of every contract root, sorted by name."""
    return [load_api(name) for name in sorted(_document_paths())]


def api_names() -> list[str]:
    """The names of every API a target may configure."""
    return sorted(_document_paths())


@cache
def _load_api(name: str, roots: tuple[Path, ...], overlay: Path | None) -> ApiDocument:
    paths = _document_paths()
    if name not in paths:
        raise ConfigError(
            f"no OpenAPI document named {name!r} in {', '.join(map(str, roots))}; known: {', '.join(sorted(paths))}"
        )
    path = paths[name]
    root = next(r for r in roots if path.is_relative_to(r))
    raw = _read_json(path)
    bundled = _bundle(raw, path, root)
    if overlay is not None:
        from apiconform.contracts.overlay import apply_overlay, read_overlay, validate_overlaid

        bundled = apply_overlay(bundled, read_overlay(overlay), overlay)
        validate_overlaid(bundled, overlay, name)
    return ApiDocument(name=name, vendor=path.parent.name, path=path, raw=raw, bundled=bundled)


def load_api(name: str) -> ApiDocument:
    """An OpenAPI document by name (``att-end-customer-lookup``), raw and bundled (with the target's overlay)."""
    return _load_api(name, tuple(contract_roots()), _OVERLAYS.get(name))


def _component_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    return rel.removesuffix(".json").replace("/", "__")


def _bundle(document: JSON, doc_path: Path, root: Path) -> JSON:
    """Inline every external ``$ref`` of an OpenAPI document under ``components/schemas``."""
    collected: JSON = {}
    pending: list[Path] = []

    def target(ref: str, base: Path) -> str:
        file_part, _, fragment = ref.partition("#")
        if not file_part:
            return ref
        path = Path(os.path.normpath(base.parent / file_part))
        if not path.is_file():
            raise ConfigError(f"{base}: $ref {ref!r} points to a missing file {path}")
        name = _component_name(path, root)
        if name not in collected:
            collected[name] = {}
            pending.append(path)
        return f"#/components/schemas/{name}{fragment}"

    def rewrite(node: Any, base: Path, local_prefix: str | None) -> Any:
        if isinstance(node, dict):
            out: JSON = {}
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str):
                    if value.startswith("#") and local_prefix is not None:
                        out[key] = local_prefix + value[1:]
                    else:
                        out[key] = target(value, base)
                elif key in {"$id", "$schema"} and local_prefix is not None:
                    continue
                else:
                    out[key] = rewrite(value, base, local_prefix)
            return out
        if isinstance(node, list):
            return [rewrite(item, base, local_prefix) for item in node]
        return node

    bundled: JSON = rewrite(copy.deepcopy(document), doc_path, None)
    while pending:
        path = pending.pop()
        name = _component_name(path, root)
        collected[name] = rewrite(_load_file(path), path, f"#/components/schemas/{name}")
    bundled.setdefault("components", {}).setdefault("schemas", {}).update(collected)
    return bundled
