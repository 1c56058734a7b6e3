"""Allure: labels per test (epic = vendor, feature = API, story = concern), failure attachments,
and the run files (environment.properties, categories.json, executor.json).

Attachments and run files pass through the redaction step; nothing here sees a secret in clear.
"""

from __future__ import annotations

import json
import platform
from importlib.metadata import version
from pathlib import Path
from typing import Any

import allure
import pytest

from apiconform.checks.failures import Category
from apiconform.config.runtime import run_environment
from apiconform.parametrize import CASE, params_of
from apiconform.reporting.redaction import redact_text, redact_url
from apiconform.targets.exchange import Exchange
from apiconform.targets.session import TargetSession

VENDORS = {"att": "AT&T", "chorus": "Chorus", "carrierx": "CarrierX", "portal": "Developer portal"}
SEVERITY = {
    "contract": allure.severity_level.NORMAL,
    "field-types": allure.severity_level.NORMAL,
    "auth": allure.severity_level.CRITICAL,
    "environments": allure.severity_level.CRITICAL,
    "isolation": allure.severity_level.BLOCKER,
    "rate-limits": allure.severity_level.NORMAL,
    "lifecycle": allure.severity_level.CRITICAL,
}
MAX_ATTACHED_EXCHANGES = 3

CATEGORIES: list[tuple[str, Category]] = [
    ("Contract drift", Category.CONTRACT),
    ("Auth defect", Category.AUTH),
    ("Environment leak", Category.ENVIRONMENT),
    ("Isolation breach", Category.ISOLATION),
    ("Rate-limit defect", Category.RATE_LIMIT),
    ("Lifecycle defect", Category.LIFECYCLE),
]


WARNINGS_CATEGORY = {  # first: under --strict a failing warning is still classed by its grade
    "name": "Warnings: assumptions and recommendations broken",
    "matchedStatuses": ["passed", "failed"],
    "messageRegex": "[\\s\\S]*\\[warning\\][\\s\\S]*",
}


def categories() -> list[dict[str, Any]]:
    """categories.json rules; the regex form works in Allure 2 (full match) and 3 (search)."""
    rules: list[dict[str, Any]] = [WARNINGS_CATEGORY] + [
        {
            "name": name,
            "matchedStatuses": ["failed"],
            "messageRegex": f"[\\s\\S]*\\[{category.value}\\][\\s\\S]*",
        }
        for name, category in CATEGORIES
    ]
    rules.append(
        {
            "name": "Budget spent (not run)",  # planned out, or stopped mid-test: both reported as skipped
            "matchedStatuses": ["skipped", "broken", "failed"],
            "messageRegex": "[\\s\\S]*(BudgetExceeded|budget of \\d+ per run is spent|run deadline)[\\s\\S]*",
        }
    )
    rules.append(
        {
            "name": "Target unavailable",
            "matchedStatuses": ["broken", "failed"],
            "messageRegex": "[\\s\\S]*(TargetUnavailable|target unavailable)[\\s\\S]*",
        }
    )
    return rules


def api_of(node: pytest.Item) -> str | None:
    params = params_of(node)
    if "api" in params:
        return str(params["api"])
    op = params.get("operation")
    return getattr(op, "api", None)


def environment_of(node: pytest.Item) -> str | None:
    """Where the test sent its requests: ``env``, or ``from -> to`` for a pair of environments."""
    params = params_of(node)
    pair = params.get("pair")
    if isinstance(pair, tuple | list) and len(pair) == 2:
        return f"{pair[0]} -> {pair[1]}"
    env = params.get("env")
    return str(getattr(env, "name", env)) if env is not None else None


def _rule_text(node: pytest.Item) -> str:
    """The sentence the test stands for: its rule marker, else its docstring's first line, else its name."""
    rule = node.get_closest_marker("rule")
    if rule and rule.args:
        return " ".join(str(rule.args[0]).split())
    function = getattr(node, "function", None)
    doc = (getattr(function, "__doc__", None) or "").strip()
    if doc:
        return " ".join(doc.split("\n\n")[0].split()).rstrip(".")
    name = getattr(node, "originalname", None) or node.name.split("[")[0]
    return name.removeprefix("test_").replace("_", " ")


def title_of(node: pytest.Item, session: TargetSession | None) -> str:
    """A title that reads as a sentence: "<API document title>, <environment>: <rule> (<operation>, <variant>)"."""
    api = api_of(node)
    documents = session.documents if session is not None else {}
    where = [documents[api].title if api and api in documents else (api or "")]
    where.append(environment_of(node) or "")
    params = params_of(node)
    qualifiers = []
    operation = params.get("operation")
    if operation is not None:
        qualifiers.append(str(getattr(operation, "label", None) or operation))
    variant = params.get("variant")
    if variant is not None and str(variant) != "main":
        qualifiers.append(str(variant).replace("-", " ").replace("_", " "))
    prefix = ", ".join(part for part in where if part)
    title = f"{prefix}: {_rule_text(node)}" if prefix else _rule_text(node)
    if qualifiers:
        title += f" ({'; '.join(qualifiers)})"
    return redact_text(title)[:300]


def label_test(node: pytest.Item, session: TargetSession) -> None:
    concern_marker = node.get_closest_marker("concern")
    concern = str(concern_marker.args[0]) if concern_marker else "other"
    api = api_of(node)
    if api and api in session.documents:
        document = session.documents[api]
        allure.dynamic.epic(VENDORS.get(document.vendor, document.vendor))
        allure.dynamic.feature(document.title)
    elif api:
        allure.dynamic.epic(VENDORS.get(api.split("-")[0], api))
        allure.dynamic.feature(api)
    allure.dynamic.story(concern)
    allure.dynamic.parameter("pytest id", node.nodeid, excluded=True)  # the title (title_test) replaces the name
    allure.dynamic.severity(SEVERITY.get(concern, allure.severity_level.NORMAL))
    allure.dynamic.label("target", session.target.name)
    for key, value in params_of(node).items():
        allure.dynamic.parameter(key, getattr(value, "label", None) or str(value))
    callspec = getattr(node, "callspec", None)
    if callspec is not None and CASE in callspec.params:  # its fields are the parameters; the tuple is not one
        allure.dynamic.parameter(CASE, callspec.id, excluded=True)
    rule = node.get_closest_marker("rule")
    if rule and len(rule.args) > 1:
        allure.dynamic.label("rule_source", str(rule.args[1])[:200])


def title_test(node: pytest.Item, session: TargetSession | None) -> None:
    """The sentence title (``title_of``). Called from the report hook: allure-pytest names the test after setup,
    so a title set in a fixture would be overwritten."""
    allure.dynamic.title(title_of(node, session))


def label_grades(grades: list[Any]) -> None:
    """The grade of each rule the test broke, as Allure ``grade`` labels (filterable in the report)."""
    for grade in dict.fromkeys(str(g) for g in grades):
        allure.dynamic.label("grade", grade)


def label_warnings(violations: list[Any]) -> None:
    """A test that broke only assumptions or recommendations: tagged, graded, one step per warning."""
    allure.dynamic.tag("warning")
    label_grades([v.grade for v in violations])
    for violation in violations:
        with allure.step(f"warning [{violation.grade}] {violation.check}: {violation.message}"[:300]):
            pass


def describe_rule(item: pytest.Item) -> None:
    """The rule and its source as the test's Allure description (a marker: allure-pytest reads it after setup)."""
    rule = item.get_closest_marker("rule")
    if rule and rule.args:
        source = rule.args[1] if len(rule.args) > 1 else ""
        from apiconform.contracts.sources import describe

        item.add_marker(pytest.mark.allure_description(f"Rule: {rule.args[0]}\n\nSource: {describe(str(source))}"))


def attach_exchanges(exchanges: list[Exchange]) -> None:
    for index, exchange in enumerate(exchanges[-MAX_ATTACHED_EXCHANGES:], start=1):
        prefix = f"{index}. {exchange.method} {exchange.status}"
        allure.attach(exchange.request_text(), f"{prefix} request", allure.attachment_type.TEXT)
        allure.attach(exchange.response_text(), f"{prefix} response", allure.attachment_type.TEXT)
        allure.attach(exchange.curl(), f"{prefix} curl", allure.attachment_type.TEXT)


def attach_traceback(text: str) -> None:
    """pytest's traceback of a failure whose terminal report is the compact block (it stays in Allure)."""
    if text:
        allure.attach(redact_text(text), "full traceback", allure.attachment_type.TEXT)


def _versions() -> dict[str, str]:
    out = {}
    for package in ("apiconform", "schemathesis", "hypothesis", "pytest", "allure-pytest", "httpx"):
        try:
            out[f"version.{package}"] = version(package)
        except Exception:
            continue
    return out


def write_run_files(results_dir: Path, session: TargetSession) -> None:
    results_dir.mkdir(parents=True, exist_ok=True)
    from apiconform.contracts import schema_files, schemas_fingerprint

    props: dict[str, str] = {
        "target": session.target.name,
        "profile": session.profile.name,
        "environments": ",".join(session.target.environments),
        "schemas": f"{len(schema_files())} files, version {schemas_fingerprint()}",
        "python": platform.python_version(),
    }
    for env_name, env in session.target.environments.items():
        props[f"{env_name}.production"] = str(env.production).lower()
        for api, url in sorted(env.base_urls.items()):
            props[f"{env_name}.{api}"] = redact_url(url)
    props |= _versions()
    lines = [f"{k}={redact_text(v)}" for k, v in props.items()]
    (results_dir / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (results_dir / "categories.json").write_text(json.dumps(categories(), indent=2), encoding="utf-8")
    run = run_environment()
    executor: dict[str, Any] = {
        "name": "apiconform",
        "type": "ci" if run.ci else "local",
        "buildName": f"apiconform {session.target.name} ({session.profile.name})",
        "buildOrder": run.build_order,
        "reportName": f"apiconform: {session.target.name}",
    }
    if run.build_url:
        executor["buildUrl"] = run.build_url
    (results_dir / "executor.json").write_text(json.dumps(executor, indent=2), encoding="utf-8")
