"""Every rule of the shipped contracts is graded: stated grades are valid, and a source that documents some
keywords of a node and assumes others says which with ``x-apiconform-grade`` (the review of issue 9)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apiconform.contracts.grades import GRADE_KEY, SOURCE_KEY, grade_errors
from tests.contracts._schema_walk import iter_objects

ROOTS = [Path(__file__).resolve().parents[2] / "schemas", Path(__file__).resolve().parents[2] / "examples"]
FILES = sorted(p for root in ROOTS for p in root.rglob("*.json") if "contracts" in p.parts or root.name == "schemas")


def _mixed(source: str) -> bool:
    low = source.strip().lower()
    return "assum" in low and not low.startswith("assumption")


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_grades_are_valid_and_mixed_sources_are_graded(path: Path) -> None:
    problems = []
    for pointer, node in iter_objects(json.loads(path.read_text(encoding="utf-8"))):
        if GRADE_KEY in node:
            problems += grade_errors(node[GRADE_KEY], f"{path.name}#{pointer}")
        elif isinstance(node.get(SOURCE_KEY), str) and _mixed(node[SOURCE_KEY]):
            problems.append(f"{path.name}#{pointer}: x-source mixes documentation and assumption; grade it")
    assert problems == []
