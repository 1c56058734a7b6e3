"""The examples/ partner API runs every suite from configuration alone: clean conforms, planted defects are caught.

Nothing in the engine knows Northwind: its contract lives in ``examples/partner-api/contracts``, its target in
``examples/partner-api/apiconform.toml``. The test serves the example on a free loopback port, rewrites only the
port of that file, exports the credentials it printed and runs the suites as ``apiconform run`` would.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.child_runs import REPO, run_pytest

EXAMPLE = REPO / "examples" / "partner-api"
EXPECTED = {
    "wrong-secret-accepted": ("auth", "auth-defect"),
    "foreign-shipment-visible": ("isolation", "isolation-breach"),
    "weight-type-drift": ("field-types", "contract-drift"),
    "rate-limit-ignored": ("rate-limits", "rate-limit-defect"),
}


def _server() -> ModuleType:
    spec = importlib.util.spec_from_file_location("northwind_example_server", EXAMPLE / "server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


SERVER = _server()


def run_example(tmp_path: Path, defects: tuple[str, ...] = ()) -> tuple[int, dict[str, Any], str]:
    """Serve the example (with defects), run every suite against it; (exit status, results JSON, output)."""
    with SERVER.start(defects) as running:
        config = EXAMPLE / "apiconform.toml"
        text = config.read_text(encoding="utf-8").replace("127.0.0.1:8399", f"127.0.0.1:{running.port}")
        copy = tmp_path / "apiconform.toml"
        copy.write_text(text.replace('contracts = ["contracts"]', f'contracts = ["{EXAMPLE / "contracts"}"]'))
        results = tmp_path / "results.json"
        command = ["suites/", "-q", "-p", "no:cacheprovider"]
        command += ["--config", str(copy), "--target", "northwind", "--results-json", str(results)]
        done = run_pytest(command, env={**os.environ, **SERVER.variables(running.credentials)})
    assert results.is_file(), done.output[-3000:]
    return done.returncode, json.loads(results.read_text(encoding="utf-8")), done.output


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[int, dict[str, Any], str]]]:
    names = ["", *EXPECTED]
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = pool.map(lambda n: run_example(tmp_path_factory.mktemp(n or "clean"), (n,) if n else ()), names)
        yield dict(zip(names, done, strict=True))


def _failed(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in data["tests"] if t["outcome"] in {"failed", "error"}]


@pytest.mark.slow
def test_the_clean_example_conforms_on_every_suite(runs: dict[str, tuple[int, dict[str, Any], str]]) -> None:
    code, data, output = runs[""]
    assert code == 0, output[-3000:]
    assert _failed(data) == []
    ran = {t["concern"] for t in data["tests"] if t["outcome"] == "passed"}
    assert ran >= {"auth", "contract", "environments", "field-types", "isolation", "rate-limits"}, ran
    assert data["target"] == "northwind"


@pytest.mark.slow
@pytest.mark.parametrize("defect", sorted(EXPECTED))
def test_each_planted_defect_is_caught(runs: dict[str, tuple[int, dict[str, Any], str]], defect: str) -> None:
    concern, category = EXPECTED[defect]
    code, data, output = runs[defect]
    caught = [t for t in _failed(data) if t["concern"] == concern and t["category"] == category]
    assert code == 1 and caught, output[-3000:]
