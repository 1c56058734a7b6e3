"""Contracts: the JSON Schemas and OpenAPI documents in ``schemas/``, loaded in one place."""

from apiconform.contracts.loader import (
    SCHEMA_BASE_URI,
    ApiDocument,
    api_documents,
    api_names,
    contract_roots,
    load_api,
    load_schema,
    schema_files,
    schema_registry,
    schemas_dir,
    schemas_fingerprint,
    set_contract_folders,
    set_overlays,
    validator_for,
)

__all__ = [
    "SCHEMA_BASE_URI",
    "ApiDocument",
    "api_documents",
    "api_names",
    "contract_roots",
    "load_api",
    "load_schema",
    "schema_files",
    "schema_registry",
    "schemas_dir",
    "schemas_fingerprint",
    "set_contract_folders",
    "set_overlays",
    "validator_for",
]
