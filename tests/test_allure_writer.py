"""The Allure writer leaves out only containers that hold no test, and hands allure-pytest its own back."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

TESTS = """
import pytest

@pytest.fixture
def resource():
    yield "r"

@pytest.mark.parametrize("api,env", [("a", "sandbox"), ("b", "production")])
def test_with_parameters(resource, api, env):
    assert resource == "r"
"""

# Two sessions in one interpreter: the second only writes results if the first gave allure-pytest its
# writer back (allure-pytest's cleanup asserts that its writer is still registered).
TWICE = """
import sys
import pytest
codes = [pytest.main(["-q", "-p", "no:cacheprovider", "--alluredir", d, sys.argv[1]]) for d in sys.argv[2:]]
sys.exit(max(codes))
"""


def _files(folder: Path, kind: str) -> list[dict[str, object]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in folder.glob(f"*-{kind}.json")]


def test_parameter_containers_are_left_out_and_fixture_containers_kept(tmp_path: Path) -> None:
    (tmp_path / "test_sample.py").write_text(TESTS, encoding="utf-8")
    (tmp_path / "twice.py").write_text(textwrap.dedent(TWICE), encoding="utf-8")
    first, second = tmp_path / "first", tmp_path / "second"
    done = subprocess.run(
        [sys.executable, str(tmp_path / "twice.py"), str(tmp_path / "test_sample.py"), str(first), str(second)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for folder in (first, second):
        results = _files(folder, "result")
        assert sorted(r["status"] for r in results) == ["passed", "passed"]
        assert all({p["name"] for p in r["parameters"]} == {"api", "env"} for r in results)  # type: ignore[union-attr]
        containers = _files(folder, "container")
        assert containers and all(c.get("children") for c in containers)  # no orphan left
        fixtures = [c for c in containers if [b["name"] for b in c.get("befores", [])] == ["resource"]]  # type: ignore[union-attr]
        assert {child for c in fixtures for child in c["children"]} == {r["uuid"] for r in results}  # type: ignore[union-attr]
        assert not [c for c in containers if {b["name"] for b in c.get("befores", [])} & {"api", "env"}]  # type: ignore[union-attr]
