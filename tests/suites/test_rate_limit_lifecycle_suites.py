"""The rate-limits and lifecycle suites, run for real in a process of their own against the embedded sandbox.

Clean sandbox: every test passes (none skipped). Each rate-limit and lifecycle defect of the sandbox's
catalogue must fail a test of the right concern with the right category, and only that concern.
A vendor-like target (configured in apiconform.toml, no portal API) must skip the lifecycle suite
with a reason that tells QA what to verify by hand.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from apiconform.sandbox.server import SandboxServer
from tests.child_runs import run_pytest
from tests.toml_values import toml_value

SUITES = ["suites/test_rate_limits.py", "suites/test_lifecycle.py"]
CLIENT_APIS = ("att-end-customer-lookup", "chorus-line-test")

DEFECTS = {
    "rate-limit-not-enforced": ("rate-limits", "rate-limit-defect"),
    "rate-limit-headers-wrong": ("rate-limits", "rate-limit-defect"),
    "stale-secret-accepted": ("lifecycle", "lifecycle-defect"),
    "pending-contract-allowed": ("lifecycle", "lifecycle-defect"),
    "cancelled-contract-allowed": ("lifecycle", "lifecycle-defect"),
    "secret-readable-after-registration": ("lifecycle", "lifecycle-defect"),
}


def run_suites(tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any], str]:
    """Run both suites; (exit code, results JSON, output)."""
    results = tmp_path / "r.json"
    command = [*SUITES, "-q", "-p", "no:cacheprovider", "--results-json", str(results), *extra]
    done = run_pytest(command, env={**os.environ, **(env or {})})
    assert results.is_file(), done.output[-3000:]
    return done.returncode, json.loads(results.read_text(encoding="utf-8")), done.output


def records_of(data: dict[str, Any], concern: str, outcome: str | None = None) -> list[dict[str, Any]]:
    return [t for t in data["tests"] if t["concern"] == concern and (outcome is None or t["outcome"] == outcome)]


@pytest.mark.slow
def test_clean_sandbox_passes_without_skips(tmp_path: Path) -> None:
    code, data, output = run_suites(tmp_path)
    assert code == 0, output[-3000:]
    assert [t for t in data["tests"] if t["outcome"] != "passed"] == []
    rate, lifecycle = records_of(data, "rate-limits"), records_of(data, "lifecycle")
    assert len(rate) == 4  # 2 client-id APIs x 2 environments
    assert len(lifecycle) == 12  # quick: 6 rules x 2 APIs, each rule in one environment, taking turns
    assert {(t["params"]["api"], t["params"]["env"]) for t in lifecycle} == {
        (api, env) for api in ("att-end-customer-lookup", "chorus-line-test") for env in ("sandbox", "production")
    }  # every API's lifecycle is still checked in both environments, across the rules
    assert data["requests_sent"] < 400


@pytest.mark.slow
@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_defect_is_caught_by_its_concern(tmp_path: Path, defect: str) -> None:
    concern, category = DEFECTS[defect]
    code, data, output = run_suites(tmp_path, "--sandbox-defect", defect)
    assert code == 1, output[-3000:]
    failed = [t for t in data["tests"] if t["outcome"] == "failed"]
    assert failed, output[-3000:]
    assert {(t["concern"], t["category"]) for t in failed} == {(concern, category)}, failed
    assert all(f"[{category}]" in t["message"] for t in failed)


def vendor_config(server: SandboxServer, path: Path) -> dict[str, str]:
    """Write a vendor-like target (sandbox only, no portal) for the server; its credential variables."""
    manifest = server.manifest
    lines = [
        "[targets.vendorlike]",
        'description = "the sandbox seen as a vendor (no portal API)"',
        "[targets.vendorlike.environments.sandbox.base_urls]",
    ]
    lines += [f'"{api}" = "{manifest.base_url("sandbox", api)}"' for api in CLIENT_APIS]
    variables: dict[str, str] = {}
    for role, purpose in (("primary", "main"), ("limited", "small_plan")):
        lines.append(f"[targets.vendorlike.environments.sandbox.credentials.{role}]")
        lines.append(f'purpose = "{purpose}"')
        for field, value in manifest.credentials["sandbox"][role].items():
            name = f"APICONFORM_VENDORLIKE_{role.upper()}_{field.upper()}"
            variables[name] = value
            lines.append(f'{field} = "{name}"')
    for api in CLIENT_APIS:
        for operation, inputs in manifest.known_inputs["sandbox"].get(api, {}).items():
            for known in inputs:
                lines.append(f'[[targets.vendorlike.known_inputs."{api}".{operation}]]')
                lines += [f"{key} = {toml_value(value)}" for key, value in known.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return variables


@pytest.mark.slow
def test_vendor_target_without_portal_skips_lifecycle_with_manual_steps(tmp_path: Path) -> None:
    config = tmp_path / "apiconform.toml"
    with SandboxServer() as server:
        variables = vendor_config(server, config)
        code, data, output = run_suites(tmp_path, "--config", str(config), "--target", "vendorlike", env=variables)
    assert code == 0, output[-3000:]
    assert data["target"] == "vendorlike"
    lifecycle = records_of(data, "lifecycle")
    assert len(lifecycle) == 12, lifecycle  # 6 rules x 2 APIs, sandbox only
    for test in lifecycle:
        assert test["outcome"] == "skipped", test
        assert "no portal API: verify by hand in the vendor portal" in test["message"], test
    assert "old one is refused at once" in " ".join(t["message"] for t in lifecycle)
    rate = records_of(data, "rate-limits")
    assert [t["outcome"] for t in rate] == ["passed", "passed"], rate
