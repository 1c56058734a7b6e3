"""OpenAPI Overlay 1.0 documents: a target adjusts a shipped contract to what its vendor documents.

An overlay is a list of actions, each a JSONPath (RFC 9535) ``target`` with an ``update`` (merged into every
matched object; appended to a matched array) or ``remove: true``. It applies to the bundled document, the one
``apiconform contract show`` prints, so external schemas are addressed under ``components/schemas``. An action
that matches nothing, or a result that is no longer valid OpenAPI, is one line naming the file and the action:
an overlay that silently does nothing would let the team believe the contract says what it does not.

Where an Overlay is more than a change needs, a JSON Merge Patch (RFC 7396) does the same job: a file named
``*.merge-patch.json`` (or ``.yaml``) whose objects merge into the bundled document, ``null`` deleting a key.
A ``null`` for a key that is not there is the merge patch's "matches nothing" and is refused the same way.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonpath
import yaml

from apiconform.contracts.schema_walk import escape
from apiconform.errors import ConfigError

JSON = dict[str, Any]


MERGE_PATCH_SUFFIXES = (".merge-patch.json", ".merge-patch.yaml", ".merge-patch.yml")


def is_merge_patch(path: Path) -> bool:
    return path.name.endswith(MERGE_PATCH_SUFFIXES)


def read_overlay(path: Path) -> JSON:
    """The overlay document (YAML or JSON), checked for the parts the engine applies; a merge patch as
    ``{"merge-patch": <document>}``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"overlay {path} not found; create it or remove 'overlay' from the target") from None
    except UnicodeDecodeError:
        raise ConfigError(f"overlay {path} is not UTF-8 text; save it as UTF-8") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"overlay {path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}") from None
    if is_merge_patch(path):
        if not isinstance(data, dict) or not data:
            raise ConfigError(f"merge patch {path}: must be a non-empty object (RFC 7396) mirroring the document")
        return {"merge-patch": data}
    if not isinstance(data, dict) or not str(data.get("overlay", "")).startswith("1."):
        raise ConfigError(f"overlay {path}: not an OpenAPI Overlay 1.x document (it needs `overlay: 1.0.0`)")
    actions = data.get("actions")
    if not isinstance(actions, list) or not actions:
        raise ConfigError(f"overlay {path}: `actions` must be a non-empty list of {{target, update | remove}}")
    for number, action in enumerate(actions, 1):
        if not isinstance(action, dict) or not isinstance(action.get("target"), str):
            raise ConfigError(f"overlay {path}: action {number} needs a `target` (a JSONPath expression)")
        if "update" not in action and action.get("remove") is not True:
            raise ConfigError(f"overlay {path}: action {number} ({action['target']}) has neither update nor remove")
    return data


def _merge(target: Any, update: Any) -> Any:
    """Overlay 1.0 update: objects merge recursively, arrays get the update appended, the rest is replaced."""
    if isinstance(target, dict) and isinstance(update, dict):
        for key, value in update.items():
            target[key] = _merge(target[key], value) if key in target else copy.deepcopy(value)
        return target
    if isinstance(target, list):
        target.extend(copy.deepcopy(update) if isinstance(update, list) else [copy.deepcopy(update)])
        return target
    return copy.deepcopy(update)


def _parent(document: JSON, pointer: str) -> tuple[Any, str | int]:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]
    node: Any = document
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    return node, int(last) if isinstance(node, list) else last


def merge_patch(target: Any, patch: Any, path: Path, where: str = "") -> Any:
    """RFC 7396 section 2: objects merge, ``null`` removes, anything else replaces; removing a key that is
    not there is refused (the patch would do nothing there)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        here = f"{where}/{escape(key)}"
        if value is None:
            if key not in result:
                raise ConfigError(
                    f"merge patch {path}: {here} removes nothing (no such key); fix the path "
                    "(`apiconform contract show` prints the document it applies to)"
                )
            del result[key]
        else:
            result[key] = merge_patch(result.get(key), value, path, here)
    return result


def apply_overlay(document: JSON, overlay: JSON, path: Path) -> JSON:
    """A copy of the document with every action applied in order; ConfigError for an action matching nothing."""
    if "merge-patch" in overlay:
        patched: JSON = merge_patch(document, overlay["merge-patch"], path)
        return patched
    result = copy.deepcopy(document)
    for number, action in enumerate(overlay["actions"], 1):
        where = f"overlay {path}: action {number} (target {action['target']})"
        try:
            matches = list(jsonpath.finditer(action["target"], result))
        except jsonpath.JSONPathError as exc:
            raise ConfigError(f"{where}: not a valid JSONPath: {exc}") from None
        if not matches:
            raise ConfigError(
                f"{where} matches nothing; fix the JSONPath (`apiconform contract show` prints the document it "
                "applies to)"
            )
        pointers = [match.pointer() for match in matches]
        if action.get("remove") is True:
            for pointer in sorted((str(p) for p in pointers), reverse=True):  # later siblings first
                parent, key = _parent(result, pointer)
                del parent[key]
            continue
        for pointer in (str(p) for p in pointers):
            if pointer in ("", "/"):
                result = _merge(result, action["update"])
                continue
            parent, key = _parent(result, pointer)
            parent[key] = _merge(parent[key], action["update"])
    return result


def validate_overlaid(document: JSON, path: Path, api: str) -> None:
    """The overlaid document must still be valid OpenAPI: one line naming the overlay and the problem."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        validate(document)
    except OpenAPIValidationError as exc:
        place = "/".join(str(p) for p in exc.path) or "(root)"
        raise ConfigError(
            f"overlay {path} makes {api} invalid OpenAPI at {place}: {exc.message}; fix the action that writes there"
        ) from None
