"""Canary scan of a real ``apiconform run``: no secret, in any form, in any file of the reports or the output.

A sandbox started here (so its throwaway credentials are known: they are the canaries) with the two defects
that put secrets on the wire (``secret-echoed-in-error``: 401 bodies repeat the client secret;
``secret-readable-after-registration``: reading an application returns its secret) is the target of one run
of every suite through a configured target. Afterwards every file under the reports folder (allure-results
and attachments, junit.xml, results.json, observed/, drift.json...) and the captured stdout/stderr are
scanned for every canary in every form of ``tests/canary.py``. ``LAST_SCAN`` keeps the figures.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from apiconform.sandbox.provisioning import ROLE_PURPOSES
from apiconform.sandbox.server import SandboxServer
from tests.canary import Canaries, ScanResult, TokenTap, canary_forms, scan
from tests.child_runs import run_cli

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DEFECTS = ("secret-echoed-in-error", "secret-readable-after-registration")
LAST_SCAN: dict[str, ScanResult] = {}


def _variable(*parts: str) -> str:
    return "_".join(("APC_CANARY", *parts)).upper().replace("-", "_")


def _config(manifest: object) -> tuple[str, dict[str, str]]:
    """A configured target mirroring the embedded one: every API, role, purpose and the portal."""
    env: dict[str, str] = {}

    def login(role: str) -> str:
        values = manifest.portal_credentials[role]  # type: ignore[attr-defined]
        names = {key: _variable("portal", role, key) for key in ("username", "password")}
        env.update({names[key]: values[key] for key in names})
        return f'{{ username = "{names["username"]}", password = "{names["password"]}" }}'

    lines = [
        "[targets.canary]",
        "allow_writes = true",
        "budget = { requests_per_second = 2000, max_requests = 200000 }",
        f'portal = {{ url = "{manifest.portal_url}", developer = {login("developer")}, admin = {login("admin")}, '  # type: ignore[attr-defined]
        'organisation = "acme", open_plan = "standard", restricted_plan = "gold" }',
    ]
    for environment in ("sandbox", "production"):
        urls = ", ".join(f'{api} = "{manifest.base_url(environment, api)}"' for api in manifest.apis)  # type: ignore[attr-defined]
        lines += [f"[targets.canary.environments.{environment}]", "production = false", f"base_urls = {{ {urls} }}"]
        for role, credential in manifest.credentials[environment].items():  # type: ignore[attr-defined]
            purpose, apis = ROLE_PURPOSES[role]
            names = {key: _variable(environment, role, key) for key in credential}
            env.update({names[key]: value for key, value in credential.items()})
            fields = ", ".join(f'{key} = "{name}"' for key, name in names.items())
            serves = ", ".join(f'"{api}"' for api in apis)
            lines.append(f'credentials.{role} = {{ purpose = "{purpose}", apis = [{serves}], {fields} }}')
    return "\n".join(lines) + "\n", env


def test_canary_forms_cover_every_encoding() -> None:
    forms = canary_forms('a/b+c:d"e\\f-ghijkl', username="user")
    assert {"plain", "base64", "base64-urlsafe-unpadded", "url-encoded", "json-escaped", "basic"} <= set(forms)
    assert forms["prefix-8"] == 'a/b+c:d"' and forms["suffix-8"] == "f-ghijkl"


def test_the_scan_finds_each_form(tmp_path: Path) -> None:
    canaries = Canaries()
    canaries.add("probe", "Zq9-probe-secret_value", username="someone")
    for form, needle in canary_forms("Zq9-probe-secret_value", "someone").items():
        (tmp_path / f"{form}.txt").write_text(f"before {needle} after", encoding="utf-8")
    result = scan([tmp_path], canaries, {"<stdout>": "clean"})
    assert result.files == len(canary_forms("Zq9-probe-secret_value", "someone")) + 1
    assert {h.where.rsplit("/", 1)[-1].removesuffix(".txt") for h in result.hits} == set(
        canary_forms("Zq9-probe-secret_value", "someone")
    )


def test_no_canary_in_any_output_of_a_full_run(tmp_path: Path) -> None:
    issued: set[tuple[str, str]] = set()
    errors: list[bytes] = []
    server = SandboxServer(DEFECTS)
    server.app.add_middleware(TokenTap, issued=issued, errors=errors)
    manifest = server.start()
    try:
        text, variables = _config(manifest)
        config = tmp_path / "apiconform.toml"
        config.write_text(text, encoding="utf-8")
        reports = tmp_path / "reports"
        command = ["run", "--no-html", "--config", str(config), "--target", "canary", "--reports", str(reports)]
        done = run_cli(command, cwd=ROOT, env={**os.environ, **variables}, timeout=300)
    finally:
        server.stop()
    canaries = Canaries().from_manifest(manifest).from_state(server.state).from_issued(issued)
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-2000:]
    assert (reports / "results.json").is_file() and any(reports.rglob("*-result.json")), done.stdout[-2000:]
    # the defects really put secrets on the wire, so the reports had something to hide
    assert any(label.startswith("answered access_token") for label in canaries.values), "no token was answered"
    assert any(label.startswith("answered client_secret") for label in canaries.values), "no secret was readable"
    plain = [value.encode() for value, _ in canaries.values.values()]
    assert any(secret in body for body in errors for secret in plain), "no error answer echoed a canary"

    result = scan([reports], canaries, {"<stdout>": done.stdout, "<stderr>": done.stderr})
    LAST_SCAN["full-run"] = result
    print(result.summary(), f"({len(canaries.values)} canaries)")
    hits = sorted({f"{h.canary} as {h.form} in {h.where}" for h in result.hits})
    assert hits == [], result.summary() + "\n" + "\n".join(hits[:40])
    assert result.files > 100 and result.bytes > 100_000, result.summary()
