"""Generic self-tests of every schema and OpenAPI document under ``schemas/``.

They take the files from ``apiconform.contracts`` (never a hard-coded list), so a new vendor folder is
checked the moment it lands: metaschema validity and the project conventions (ARCHITECTURE.md),
resolvable references, examples that validate, provenance (``x-source``) on every property and operation,
valid OpenAPI 3.1, and a property test that each documented example is *strict*: changing any one field
to a JSON type the schema does not allow there must make validation fail.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from referencing.exceptions import Unresolvable

from apiconform.contracts import (
    SCHEMA_BASE_URI,
    ApiDocument,
    api_documents,
    load_schema,
    schema_files,
    schema_registry,
    schemas_dir,
    validator_for,
)
from apiconform.contracts.sources import problems, resolve

from ._schema_walk import (
    SOURCE_PATTERN,
    InstancePath,
    allowed_types,
    disallowed_candidates,
    instance_paths,
    iter_openapi_schemas,
    iter_properties,
    iter_refs,
    iter_subschemas,
    replace_at,
    resolve_pointer,
)

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _relative(path: Path) -> str:
    return path.relative_to(schemas_dir()).as_posix()


SCHEMAS = [_relative(p) for p in schema_files()]
APIS = api_documents()
API_IDS = [doc.name for doc in APIS]


def _resolver(rel: str) -> Any:
    """A resolver based at the file's URI, so relative and ``#/...`` refs mean what they mean in the file."""
    return schema_registry().resolver(base_uri=SCHEMA_BASE_URI + rel)


def _validator_at(rel: str, pointer: str) -> Draft202012Validator:
    """A validator for the subschema at ``pointer`` of a schema file, refs resolved from the file."""
    if pointer == "":
        return validator_for(rel)
    wrapper = {"$schema": DRAFT_2020_12, "$ref": f"{SCHEMA_BASE_URI}{rel}#{pointer}"}
    return Draft202012Validator(wrapper, registry=schema_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def _source_problem(source: Any) -> str | None:
    """Why an ``x-source`` value is not acceptable, or None when it names a source or an assumption."""
    if not isinstance(source, str) or not source.strip():
        return "missing or empty x-source"
    found = problems(source)
    if found:
        return f"x-source does not resolve ({'; '.join(found)}): {source!r}"
    if source.startswith("assumption:") or SOURCE_PATTERN.search(source) or any(c.resolved for c in resolve(source)):
        return None
    return f"x-source cites no sources.json entry, RFC or URL and is not an assumption: {source!r}"


# (a) metaschema and conventions ---------------------------------------------------------------------------


@pytest.mark.parametrize("rel", SCHEMAS)
def test_schema_is_valid_draft_2020_12_with_conventions(rel: str) -> None:
    schema = load_schema(rel)
    Draft202012Validator.check_schema(schema)
    assert schema.get("$schema") == DRAFT_2020_12, f"{rel}: $schema must be {DRAFT_2020_12}"
    assert schema.get("$id") == SCHEMA_BASE_URI + rel, f"{rel}: $id must be {SCHEMA_BASE_URI + rel}"
    for keyword in ("title", "description"):
        assert isinstance(schema.get(keyword), str) and schema[keyword].strip(), f"{rel}: no {keyword}"
    examples = schema.get("examples")
    assert isinstance(examples, list) and examples, f"{rel}: needs at least one entry in examples"


# (b) references --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rel", SCHEMAS)
def test_schema_refs_resolve(rel: str) -> None:
    resolver = _resolver(rel)
    broken = []
    for pointer, sub in iter_subschemas(load_schema(rel)):
        ref = sub.get("$ref")
        if isinstance(ref, str):
            try:
                resolver.lookup(ref)
            except Unresolvable as exc:
                broken.append(f"{pointer or '/'}: {ref} ({type(exc).__name__})")
    assert not broken, f"{rel}: unresolvable $ref:\n" + "\n".join(broken)


@pytest.mark.parametrize("doc", APIS, ids=API_IDS)
def test_openapi_refs_resolve_after_bundling(doc: ApiDocument) -> None:
    problems = []
    for pointer, ref in iter_refs(doc.bundled):
        if not ref.startswith("#/"):
            problems.append(f"{pointer}: external ref left after bundling: {ref}")
            continue
        try:
            resolve_pointer(doc.bundled, ref[1:])
        except KeyError:
            problems.append(f"{pointer}: {ref} points to nowhere")
    assert not problems, f"{doc.path.name}:\n" + "\n".join(problems)


# (c) examples ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rel", SCHEMAS)
def test_every_example_validates(rel: str) -> None:
    failures = []
    for pointer, sub in iter_subschemas(load_schema(rel)):
        examples = sub.get("examples")
        if not isinstance(examples, list):
            continue
        validator = _validator_at(rel, pointer)
        for index, example in enumerate(examples):
            for error in validator.iter_errors(example):
                failures.append(f"{pointer or '/'} examples[{index}] at {error.json_path}: {error.message}")
    assert not failures, f"{rel}: examples that do not validate:\n" + "\n".join(failures)


# (d) provenance --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rel", SCHEMAS)
def test_every_schema_property_has_a_source(rel: str) -> None:
    problems = []
    for pointer, prop in iter_properties(load_schema(rel)):
        source = prop.get("x-source") if isinstance(prop, dict) else None
        problem = _source_problem(source)
        if problem:
            problems.append(f"{pointer}: {problem}")
    assert not problems, f"{rel}:\n" + "\n".join(problems)


@pytest.mark.parametrize("doc", APIS, ids=API_IDS)
def test_every_openapi_operation_and_inline_property_has_a_source(doc: ApiDocument) -> None:
    problems = []
    for path, item in doc.raw.get("paths", {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                problem = _source_problem(operation.get("x-source"))
                if problem:
                    problems.append(f"{method.upper()} {path}: {problem}")
    for where, schema in iter_openapi_schemas(doc.raw):
        for pointer, prop in iter_properties(schema, where):
            problem = _source_problem(prop.get("x-source") if isinstance(prop, dict) else None)
            if problem:
                problems.append(f"{pointer}: {problem}")
    assert not problems, f"{doc.path.name}:\n" + "\n".join(problems)


# (e) OpenAPI validity --------------------------------------------------------------------------------------


@pytest.mark.parametrize("doc", APIS, ids=API_IDS)
def test_openapi_document_is_valid_3_1(doc: ApiDocument) -> None:
    bundled = doc.bundled
    assert str(bundled.get("openapi", "")).startswith("3.1."), f"{doc.path.name}: openapi must be 3.1.x"
    servers = bundled.get("servers")
    assert isinstance(servers, list) and servers, f"{doc.path.name}: servers must list the documented URLs"
    validate_openapi(bundled)
    ids = [op.get("operationId") for _, _, op in doc.operations()]
    assert all(ids), f"{doc.path.name}: an operation without operationId"
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"{doc.path.name}: duplicate operationIds {duplicates}"


# (f) strictness of documented examples ---------------------------------------------------------------------


def _strictness_cases() -> tuple[dict[str, list[tuple[int, InstancePath, list[Any]]]], list[str]]:
    """Per schema file: (example index, path, disallowed replacements); and the unconstrained paths.

    Only schemas whose root accepts nothing but objects or arrays take part: a path needs a container.
    """
    cases: dict[str, list[tuple[int, InstancePath, list[Any]]]] = {}
    unconstrained: list[str] = []
    for rel in SCHEMAS:
        schema = load_schema(rel)
        resolver = _resolver(rel)
        root = allowed_types(schema, (), resolver)
        if root is None or not root or not root <= {"object", "array"}:
            continue
        for index, example in enumerate(schema.get("examples", [])):
            for path in instance_paths(example):
                allowed = allowed_types(schema, path, resolver)
                if allowed is None:
                    unconstrained.append(f"{rel} examples[{index}] {'.'.join(map(str, path))}")
                    continue
                replacements = [value for _, value in disallowed_candidates(allowed)]
                if replacements:
                    cases.setdefault(rel, []).append((index, path, replacements))
    return cases, unconstrained


STRICT_CASES, UNCONSTRAINED = _strictness_cases()


def test_strictness_covers_many_paths() -> None:
    """Guards the property test against passing vacuously; lists the paths it cannot check."""
    checked = sum(len(cases) for cases in STRICT_CASES.values())
    assert checked >= 50, f"only {checked} (schema, path) pairs are checkable; unconstrained: {UNCONSTRAINED}"
    assert len(STRICT_CASES) >= 5, f"only {sorted(STRICT_CASES)} take part in the strictness test"
    # Unconstrained paths are allowed (e.g. free-form attribute maps) but must stay the exception.
    assert len(UNCONSTRAINED) <= checked // 4, "too many unconstrained paths:\n" + "\n".join(UNCONSTRAINED)


@pytest.mark.parametrize("rel", sorted(STRICT_CASES))
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_example_rejects_a_field_of_the_wrong_type(rel: str, data: st.DataObject) -> None:
    index, path, replacements = data.draw(st.sampled_from(STRICT_CASES[rel]), label="case")
    replacement = data.draw(st.sampled_from(replacements), label="replacement")
    example = load_schema(rel)["examples"][index]
    mutated = replace_at(example, path, replacement)
    assert not validator_for(rel).is_valid(mutated), (
        f"{rel} examples[{index}]: {'.'.join(map(str, path))} = {replacement!r} was accepted"
    )
