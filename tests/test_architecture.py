"""The walls that keep the suite trustworthy, checked on the source (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
import re
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
        for p in python_files(ROOT / "suites", PACKAGE / "checks", PACKAGE / "observed", PACKAGE / "golive")
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


# -- the engine knows no vendor ----------------------------------------------------------------------------
ENGINE = [
    PACKAGE / "targets",
    PACKAGE / "checks",
    PACKAGE / "observed",
    PACKAGE / "golive",
    PACKAGE / "plugin.py",
    PACKAGE / "parametrize.py",
    ROOT / "suites",
]
# Headers every HTTP API may use: standards (RFC 9110, 6585, 6750) and the de-facto rate-limit family.
STANDARD_HEADERS = {
    "authorization",
    "www-authenticate",
    "retry-after",
    "content-type",
    "cache-control",
    "allow",
    "location",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
}
VENDOR_WORDS = ("at&t", "chorus", "carrierx", "mulesoft", "anypoint")
# Shipped names that are also the engine's own vocabulary: RFC 6749 credential fields and plain words.
GENERIC_WORDS = {"source", "client_id", "client_secret", "portal", "primary", "limited", "partner"}


def _shipped_names() -> set[str]:
    """API names, operation ids and non-standard header names of every shipped contract, and sandbox roles."""
    from apiconform.contracts import api_documents
    from apiconform.sandbox.provisioning import ROLE_PURPOSES

    names: set[str] = set(ROLE_PURPOSES)
    for doc in api_documents():
        names.add(doc.name)
        bundled = doc.bundled
        for scheme in bundled.get("components", {}).get("securitySchemes", {}).values():
            if scheme.get("type") == "apiKey":
                names.add(scheme["name"])
        for parameter in bundled.get("components", {}).get("parameters", {}).values():
            if parameter.get("in") == "header":
                names.add(parameter["name"])
        for header in bundled.get("components", {}).get("headers", {}):
            names.add(header)
        for _, _, operation in doc.operations():
            names.add(operation["operationId"])
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "header":
                    names.add(parameter["name"])
            for response in operation.get("responses", {}).values():
                names.update(response.get("headers", {}))
    return {n for n in names if n.lower() not in STANDARD_HEADERS | GENERIC_WORDS and len(n) > 3}


def _code_lines(path: Path) -> list[tuple[int, str]]:
    """The lines of a module that are code or docstrings (comments are allowed to give examples)."""
    return [
        (i, line)
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if not line.strip().startswith("#")
    ]


def test_engine_names_no_shipped_vendor_api_operation_header_or_role() -> None:
    names = _shipped_names()
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?![\w-])", re.I
    )
    vendor = re.compile(r"(?<![\w])(" + "|".join(re.escape(w) for w in VENDOR_WORDS) + r")(?![\w])", re.I)
    offenders = []
    for path in python_files(*(p for p in ENGINE if p.is_dir())) + [p for p in ENGINE if p.is_file()]:
        for number, line in _code_lines(path):
            found = pattern.findall(line) + vendor.findall(line)
            if found:
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {', '.join(sorted(set(found)))}")
    assert offenders == [], "vendor facts belong in contracts and target configuration:\n" + "\n".join(offenders)


def test_nothing_a_run_writes_can_be_committed_by_accident() -> None:
    """Every place a run, a test or a tool writes to is ignored by git, and none of it is tracked."""
    import subprocess

    written = [
        "reports/results.json",
        "reports/observed/embedded/sandbox.json",
        "reports/.pytest_cache/v/cache/lastfailed",
        "reports/drift.md",
        "reports/golive.md",
        "reports/allure-results/x-result.json",
        "reports/html/index.html",
        ".pytest_cache/v/cache/lastfailed",
        ".hypothesis/examples/x",
        ".schemathesis/crash.yaml",
        ".venv/bin/python",
        "node_modules/allure/package.json",
        "src/apiconform/__pycache__/cli.cpython-311.pyc",
    ]
    ignored = subprocess.run(
        ["git", "-C", str(ROOT), "check-ignore", "--no-index", *written], capture_output=True, text=True, check=False
    ).stdout.split()
    assert sorted(ignored) == sorted(written), sorted(set(written) - set(ignored))
    tracked = subprocess.run(["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True, check=True).stdout
    assert not [p for p in tracked.splitlines() if p.startswith((".schemathesis", ".hypothesis", "reports/html"))]
