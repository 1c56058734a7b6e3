"""Validation of a users' contract folder: the same rules as ``schemas/``, one line per problem.

A user's contract is read by the same loader as ours, so it must hold what the engine relies on: valid
OpenAPI 3.1, an ``operationId`` per operation, and an ``x-source`` on every operation and property (a
rule nobody can trace is a rule nobody can argue with the vendor about).
"""

from __future__ import annotations

from pathlib import Path

from apiconform.contracts.loader import OPENAPI_SUFFIX, load_api
from apiconform.contracts.schema_walk import escape, iter_properties
from apiconform.errors import ConfigError

MAX_PROBLEMS = 20


def source_problems(x_source: str) -> list[str]:
    from apiconform.contracts.sources import problems

    return problems(x_source)


def document_problems(path: Path) -> list[str]:
    """Every problem of one OpenAPI document of a user folder, each naming the file, the place and the fix."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    name = path.name[: -len(OPENAPI_SUFFIX)]
    try:
        document = load_api(name)
    except ConfigError as exc:
        return [str(exc)]
    raw, bundled = document.raw, document.bundled
    if not str(raw.get("openapi", "")).startswith("3.1"):
        return [f"{path}: openapi is {raw.get('openapi')!r}; apiconform reads OpenAPI 3.1 (use `contract import`)"]
    problems = []
    try:
        validate(bundled)
    except OpenAPIValidationError as exc:
        where = "/".join(str(p) for p in exc.path) or "(root)"
        problems.append(f"{path}: invalid OpenAPI at {where}: {exc.message}; fix the document")
    for method, route, operation in document.operations():
        label = f"{method} {route}"
        if not operation.get("operationId"):
            problems.append(f"{path}: {label} has no operationId; add one (tests and configuration name it)")
        if not operation.get("x-source"):
            problems.append(f"{path}: {label} has no x-source; say which vendor document the operation comes from")
        else:
            problems += [
                f"{path}: {label} x-source {problem} (add it to the sources.json of the contract folder)"
                for problem in source_problems(str(operation["x-source"]))
            ]
    for name, schema in bundled.get("components", {}).get("schemas", {}).items():
        for pointer, prop in iter_properties(schema, f"#/components/schemas/{escape(name)}"):
            if isinstance(prop, dict) and "$ref" not in prop and not prop.get("x-source"):
                problems.append(f"{path}: {pointer} has no x-source; cite the vendor document or 'assumption: ...'")
    return problems


def contract_folder_problems(folder: Path) -> list[str]:
    """Problems of every document in a folder (at most ``MAX_PROBLEMS`` lines, then a count)."""
    problems = [p for path in sorted(folder.rglob("*" + OPENAPI_SUFFIX)) for p in document_problems(path)]
    if not any(folder.rglob("*" + OPENAPI_SUFFIX)):
        problems.append(f"{folder}: no *{OPENAPI_SUFFIX} document; add one or remove the folder from 'contracts'")
    if len(problems) > MAX_PROBLEMS:
        problems = [*problems[:MAX_PROBLEMS], f"... and {len(problems) - MAX_PROBLEMS} more problems in {folder}"]
    return problems
