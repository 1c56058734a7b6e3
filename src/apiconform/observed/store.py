"""Where observed shapes live: ``<dir>/<target>/<environment>.json``, the previous run's next to it.

Parallel workers each write a part; the process that ends the run merges the parts, keeps the file it
replaces as ``<environment>.previous.json`` and carries over the operations this run did not reach, so
a run of one concern neither erases the others nor makes them look removed. Every file passes
through the redaction step (defence in depth: only shapes and documented enum values are in it).
"""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apiconform.errors import UsageError
from apiconform.observed import shapes
from apiconform.reporting.redaction import redact_text

FORMAT = 1
PARTS = ".parts"
JSON = dict[str, Any]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(redact_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)) + "\n", "utf-8")


def clear_parts(directory: Path) -> None:
    shutil.rmtree(directory / PARTS, ignore_errors=True)


def write_part(directory: Path, target: str, operations: dict[str, dict[str, JSON]]) -> None:
    """One process's observations (environment -> operations), merged at the end of the run."""
    if operations:
        _dump(directory / PARTS / f"{uuid.uuid4().hex}.json", {"target": target, "environments": operations})


def _merged_parts(directory: Path) -> dict[str, dict[str, dict[str, JSON]]]:
    """target -> environment -> operation key -> entry, all parts added up."""
    out: dict[str, dict[str, dict[str, JSON]]] = {}
    for part in sorted((directory / PARTS).glob("*.json")):
        data = json.loads(part.read_text("utf-8"))
        for env, operations in data["environments"].items():
            mine = out.setdefault(data["target"], {}).setdefault(env, {})
            for key, entry in operations.items():
                if key not in mine:
                    mine[key] = entry
                    continue
                for status, shape in entry["statuses"].items():
                    if status in mine[key]["statuses"]:
                        shapes.merge(mine[key]["statuses"][status], shape)
                    else:
                        mine[key]["statuses"][status] = shape
    return out


def env_file(directory: Path, target: str, env: str, previous: bool = False) -> Path:
    return directory / target / (f"{env}.previous.json" if previous else f"{env}.json")


def load(path: Path) -> JSON | None:
    if not path.is_file():
        return None
    try:
        data: JSON = json.loads(path.read_text("utf-8"))
    except ValueError:
        raise UsageError(f"{path}: not an observed-shapes file (invalid JSON); delete it or pass another") from None
    if data.get("format") != FORMAT or "operations" not in data:
        raise UsageError(f"{path}: not an observed-shapes file of format {FORMAT}; pass a reports/observed file")
    return data


def finish_run(directory: Path, contract_versions: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """Merge the parts into the environment files; the (target, environment) pairs this run observed."""
    run = now()
    written: list[tuple[str, str]] = []
    for target, environments in _merged_parts(directory).items():
        for env, operations in environments.items():
            current = env_file(directory, target, env)
            kept = load(current) or {"operations": {}}
            if current.is_file():
                shutil.copyfile(current, env_file(directory, target, env, previous=True))
            for entry in operations.values():
                entry["observed_at"] = run
            data = {
                "format": FORMAT,
                "target": target,
                "environment": env,
                "updated_at": run,
                "contract_versions": contract_versions or {},
                "operations": dict(sorted({**kept["operations"], **operations}.items())),
            }
            _dump(current, data)
            written.append((target, env))
    clear_parts(directory)
    return written
