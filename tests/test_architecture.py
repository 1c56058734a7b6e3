"""The walls that keep the suite trustworthy, checked on the source (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "apiconform"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def python_files(*folders: Path) -> list[Path]:
    return sorted(p for folder in folders for p in folder.rglob("*.py"))


def test_suites_and_checks_never_import_the_sandbox() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in python_files(ROOT / "suites", PACKAGE / "checks")
        if any(name.startswith("apiconform.sandbox") for name in imports_of(p))
    ]
    assert offenders == [], "suites/checks must reach targets over HTTP only"


@pytest.mark.parametrize(
    "forbidden",
    [
        "apiconform.checks",
        "apiconform.targets",
        "apiconform.plugin",
        "apiconform.runner",
        "apiconform.selfcheck",
        "suites",
    ],
)
def test_sandbox_never_imports_the_suite_side(forbidden: str) -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in python_files(PACKAGE / "sandbox")
        if any(name == forbidden or name.startswith(forbidden + ".") for name in imports_of(p))
    ]
    assert offenders == []


def test_only_config_reads_environment_variables() -> None:
    offenders = []
    for path in python_files(PACKAGE, ROOT / "suites"):
        if path.is_relative_to(PACKAGE / "config"):
            continue
        text = path.read_text(encoding="utf-8")
        if any(token in text for token in ("os.environ", "os.getenv", "dotenv_values", "load_dotenv")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], "only apiconform.config may read environment variables or .env files"


def _builds_schemas_path(path: Path) -> bool:
    """True when the module builds a path into schemas/ (``x / "schemas"``, ``Path("schemas/...")``)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            operands = (node.left, node.right)
            if any(isinstance(o, ast.Constant) and str(o.value).startswith("schemas") for o in operands):
                return True
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Path":
            if any(isinstance(a, ast.Constant) and str(a.value).startswith("schemas") for a in node.args):
                return True
        if isinstance(node, ast.Name) and node.id == "schemas_dir":
            return True
    return False


def test_schemas_are_loaded_in_one_place() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in python_files(PACKAGE, ROOT / "suites")
        if not p.is_relative_to(PACKAGE / "contracts") and _builds_schemas_path(p)
    ]
    assert offenders == [], "schemas/ is read only by apiconform.contracts"
