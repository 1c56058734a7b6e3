"""Running the suites against the alt vendor as a user would: a written ``apiconform.toml``, variables exported,
``pytest suites/`` in a process of its own (``tests.child_runs``); the results JSON back."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.altvendor.server import AltVendor
from tests.altvendor.target import write_config
from tests.child_runs import run_pytest


def run(vendor: AltVendor, tmp_path: Path, select: str, overlay: bool = True) -> tuple[int, dict[str, Any], str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    config, variables = write_config(vendor, tmp_path, overlay=overlay)
    results = tmp_path / "results.json"
    command = ["suites/test_auth.py", "suites/test_environments.py", "-q"]
    command += ["-p", "no:cacheprovider", "--config", str(config), "--target", "altvendor", "-k", select]
    command += ["--results-json", str(results)]
    done = run_pytest(command, env={**os.environ, **variables})
    assert results.is_file(), done.output[-3000:]
    return done.returncode, json.loads(results.read_text(encoding="utf-8")), done.output


def run_all(
    vendor: AltVendor,
    folder: Path,
    deviations: Path | None = None,
    *,
    overlay: bool = True,
    args: tuple[str, ...] = (),
    suites: str = "suites/",
) -> dict[str, Any]:
    """Every suite against the alt vendor, optionally with a deviations file; the results JSON (with the exit
    status and terminal output under ``_exit`` and ``_output``)."""
    folder.mkdir(parents=True, exist_ok=True)
    config, variables = write_config(vendor, folder, overlay=overlay)
    if deviations is not None:
        text = config.read_text(encoding="utf-8")
        config.write_text(
            text.replace("[targets.altvendor]\n", f'[targets.altvendor]\ndeviations = "{deviations}"\n', 1)
        )
    results = folder / "results.json"
    command = [suites, "-q", "-p", "no:cacheprovider", "--config", str(config)]
    command += ["--target", "altvendor", "--results-json", str(results), *args]
    done = run_pytest(command, env={**os.environ, **variables})
    assert results.is_file(), done.output[-3000:]
    data: dict[str, Any] = json.loads(results.read_text(encoding="utf-8"))
    data["_exit"], data["_output"] = done.returncode, done.output
    return data
