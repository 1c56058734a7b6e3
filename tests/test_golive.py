"""``apiconform golive`` against a real sandbox on loopback, after one real full run.

The module starts the embedded sandbox here (so its throwaway credentials are known to the test), points a
configured target at it (sandbox plus production, ``production = true``, credentials in an untracked dotenv
file of a throwaway git repository), runs ``apiconform run`` once over every concern, and then runs golive on
copies of that run's reports. The target names the sandbox's portal API (``[targets.mirror.portal]``), so
golive can read the production contracts and the plan's usage from it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from apiconform.config import Budget, Target, load_config, resolve_target
from apiconform.contracts import load_api
from apiconform.golive.checklist import Inputs, golive_session
from apiconform.golive.cli import Outputs, run_golive
from apiconform.sandbox.provisioning import CLIENT_ROLES, PORTAL_ORGANISATION, RESTRICTED_PLAN, ROLE_PURPOSES
from apiconform.sandbox.server import SandboxServer
from apiconform.targets.client import WRITE_METHODS, WriteBlocked
from tests.child_runs import run_cli
from tests.test_safety import Recorder, Seen

ROOT = Path(__file__).resolve().parents[1]
NAME = "mirror"
APIS = CLIENT_ROLES["primary"][2]  # the APIs the portal governs: their production app has contracts
ROLES = ("primary", "other_org", "limited", "att_only", "chorus_only")
ITEMS = (
    "separate-credentials",
    "credentials-refused-across",
    "production-reads",
    "access-activated",
    "full-run-green",
    "no-breaking-drift",
    "rate-limit-budget",
    "accepted-deviations",
    "secrets-kept-out",
)


@dataclass
class World:
    server: SandboxServer
    log: list[Seen]
    repo: Path
    config: Path
    variables: dict[str, str]
    run_reports: Path
    secrets: list[str]


def _variable(env: str, role: str, key: str) -> str:
    return f"GOLIVE_{env}_{role}_{key}".upper()


def _portal_login() -> str:
    user, password = _variable("portal", "developer", "username"), _variable("portal", "developer", "password")
    return f'username = "{user}", password = "{password}"'


def _toml(manifest: Any, production_env: str = "production", budget: float = 500, name: str = NAME) -> str:
    """A configured target over the sandbox; ``production_env`` says whose credentials production names."""
    lines = [
        f"[targets.{name}]",
        'dotenv = ".env.golive"',
        "allow_writes = true  # golive must send no write anyway",
        f"budget = {{ requests_per_second = {budget}, max_requests = 20000 }}",
        'plan = { name = "standard", calls = 100000, per_seconds = 60 }',
        f'portal = {{ url = "{manifest.portal_url}", developer = {{ {_portal_login()} }} }}',
    ]
    for env in ("sandbox", "production"):
        urls = ", ".join(f'{api} = "{manifest.base_url(env, api)}"' for api in APIS)
        lines += [f"[targets.{name}.environments.{env}]", f"production = {str(env == 'production').lower()}"]
        lines.append(f"base_urls = {{ {urls} }}")
        source = production_env if env == "production" else "sandbox"
        for role in ROLES:
            purpose, apis = ROLE_PURPOSES[role]
            fields = ", ".join(
                f'{key} = "{_variable(source, role, key)}"' for key in manifest.credentials[source][role]
            )
            serves = ", ".join(f'"{api}"' for api in apis)
            lines.append(f'credentials.{role} = {{ purpose = "{purpose}", apis = [{serves}], {fields} }}')
    return "\n".join(lines) + "\n"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    log: list[Seen] = []
    server = SandboxServer()
    server.app.add_middleware(Recorder, log=log)
    manifest = server.start()
    try:
        repo = tmp_path_factory.mktemp("golive-repo")
        variables = {
            _variable(env, role, key): value
            for env in ("sandbox", "production")
            for role in ROLES
            for key, value in manifest.credentials[env][role].items()
        } | {_variable("portal", "developer", k): v for k, v in manifest.portal_credentials["developer"].items()}
        (repo / ".env.golive").write_text("".join(f"{k}={v}\n" for k, v in variables.items()), encoding="utf-8")
        (repo / ".gitignore").write_text(".env.golive\n", encoding="utf-8")
        config = repo / "apiconform.toml"
        config.write_text(_toml(manifest), encoding="utf-8")
        (repo / "shared.toml").write_text(_toml(manifest, "sandbox", name="shared"), encoding="utf-8")
        _git(repo, "init", "-q")
        _git(repo, "add", "apiconform.toml", "shared.toml", ".gitignore")
        reports = repo / "run-reports"
        command = ["run", "--no-html", "--config", str(config), "--target", NAME, "--reports", str(reports)]
        done = run_cli(command, cwd=ROOT, timeout=300)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
        secrets = [v for k, v in variables.items() if k.endswith("_CLIENT_SECRET")]
        yield World(server, log, repo, config, variables, reports, secrets)
    finally:
        server.stop()


def _reports(tmp_path: Path, world: World, *, drift: int | None = 0, finished: datetime | None = None) -> Path:
    """A report folder with a copy of the real run's results.json (maybe aged) and a drift report."""
    reports = tmp_path / "reports"
    reports.mkdir(parents=True)
    data = json.loads((world.run_reports / "results.json").read_text(encoding="utf-8"))
    if finished is not None:
        data["finished_at"] = finished.isoformat(timespec="seconds")
    (reports / "results.json").write_text(json.dumps(data), encoding="utf-8")
    if drift is not None:
        change = {"class": "breaking", "kind": "type-changed", "environment": "production", "api": APIS[0]}
        change |= {"operation": "op", "status": "200", "path": "$[].id", "detail": "string -> integer"}
        body = {"target": NAME, "generated_at": datetime.now(UTC).isoformat(), "baseline": "previous run"}
        body |= {"counts": {"breaking": drift, "additive": 0}, "changes": [change] * drift}
        (reports / "drift.json").write_text(json.dumps(body), encoding="utf-8")
    return reports


def _target(world: World) -> Target:
    """The configured target, resolved from its file (its portal API included)."""
    return resolve_target(NAME, load_config(world.config))


def _golive(world: World, reports: Path, target: Target | None = None) -> tuple[int, dict[str, dict[str, Any]]]:
    """Run golive in-process; its exit status and the Allure result of each item (what the report shows)."""
    target = target or _target(world)
    config = load_config(world.config)
    inputs = Inputs(target, reports, target.golive.max_age_hours, config.targets[NAME], world.config, world.repo)
    code = run_golive(inputs, Outputs(reports, reports / "golive.md"))
    items = {}
    for path in (reports / "allure-results").glob("*-result.json"):
        result = json.loads(path.read_text(encoding="utf-8"))
        labels = {label["name"]: label["value"] for label in result.get("labels", [])}
        if labels.get("epic") == "Go-live readiness":
            items[labels["golive_item"]] = result
    assert sorted(items) == sorted(ITEMS)
    return code, items


def _message(items: dict[str, dict[str, Any]], item: str) -> str:
    return str(items[item].get("statusDetails", {}).get("message", ""))


def _statuses(items: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {item: result["status"] for item, result in items.items()}


def _production_writes(log: list[Seen]) -> list[str]:
    """Writes that reached production, other than token requests and the contract's read-only queries."""
    allowed = []
    for api in APIS:
        for method, path, operation in load_api(api).operations():
            if method in WRITE_METHODS and (operation.get("x-read-only") or operation.get("x-apiconform-token")):
                template = re.sub(r"\\\{[^/]*?\\\}", "[^/]+", re.escape(path))
                allowed.append(re.compile(f"{method} /production/{api}{template}$"))
    sent = [f"{s.method} {s.path}" for s in log if s.method in WRITE_METHODS and s.path.startswith("/production/")]
    return [line for line in sent if not any(p.match(line) for p in allowed)]


# -- tests ---------------------------------------------------------------------------------------------------
def test_ready_after_a_green_full_run_and_no_write_reaches_production(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = _reports(tmp_path, world)
    (reports / "allure-results").mkdir()
    (reports / "allure-results" / "suite-result.json").write_text("{}", encoding="utf-8")  # a run's own results
    world.log.clear()
    code, items = _golive(world, reports)
    out = capsys.readouterr().out
    assert code == 0, out
    assert set(_statuses(items).values()) == {"passed"}, out
    assert "READY: 9 pass, 0 fail, 0 cannot tell" in out
    assert (reports / "allure-results" / "suite-result.json").is_file(), "golive cleaned the Allure folder"
    markdown = (reports / "golive.md").read_text(encoding="utf-8")
    assert "**READY" in markdown and "\u201cIf it doesn't yet have Activated status" in markdown
    assert any(s.path.startswith("/production/") for s in world.log), "golive never reached production"
    assert any(s.path.startswith("/portal/") for s in world.log), "golive never asked the portal"
    assert _production_writes(world.log) == []
    assert not any(secret in out or secret in markdown for secret in world.secrets)


def test_golive_client_refuses_writes_to_production_whatever_the_target_allows(world: World) -> None:
    target = _target(world)
    assert target.allow_writes  # the configuration allows writes; golive must not
    session = golive_session(target)
    assert not session.client.allow_writes and session.target.environments["production"].production
    writes = [op for api in APIS for op in session.operations(api) if op.method in WRITE_METHODS and not op.read_only]
    assert writes, "the contracts have writes to try"
    world.log.clear()
    for op in writes:
        with pytest.raises(WriteBlocked):
            session.send("production", op)
    assert session.client.writes_sent == 0 and world.log == []


def test_shared_credentials_fail(world: World, tmp_path: Path) -> None:
    reports = _reports(tmp_path, world)
    command = ["golive", "--config", str(world.repo / "shared.toml"), "--target", "shared", "--reports", str(reports)]
    done = run_cli(command, cwd=ROOT, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    first = done.stdout.split(" 2. ")[0]
    assert " 1. FAIL" in first and "production's main credential has the same app_id, client_id, client_secret" in first
    # production's "own" credential is the sandbox's: production refuses it, so separation cannot be judged
    assert "production's credential is refused by production itself (401)" in done.stdout, done.stdout
    assert "production refused its own credential (401)" in done.stdout.split(" 3. ")[1].split(" 4. ")[0]
    assert not any(secret in done.stdout + done.stderr for secret in world.secrets)
    assert not any(secret in (reports / "golive.md").read_text() for secret in world.secrets)


def test_pending_contract_fails(world: World, tmp_path: Path) -> None:
    portal = world.server.manifest.portal_url
    login = world.server.manifest.portal_credentials["developer"]
    auth = (login["username"], login["password"])
    request = {"name": "acme-golive-prod", "organisation": PORTAL_ORGANISATION, "environment": "production"}
    app = httpx.post(f"{portal}/v1/apps", json={**request, "plan_id": RESTRICTED_PLAN}, auth=auth).json()
    for api in APIS:
        contract = httpx.post(
            f"{portal}/v1/apps/{app['app_id']}/contracts", json={"api": api, "environment": "production"}, auth=auth
        )
        assert contract.json()["status"] == "pending_approval"
    target = _target(world)
    fields = {key: SecretStr(app[key]) for key in ("client_id", "client_secret", "app_id")}
    production = target.environments["production"]
    credentials = {**production.credentials, "primary": fields}
    target = replace(
        target, environments={**target.environments, "production": replace(production, credentials=credentials)}
    )
    code, items = _golive(world, _reports(tmp_path, world), target)
    assert code == 1
    assert items["access-activated"]["status"] == "failed"
    assert "production contract Pending Approval (application of 'primary')" in _message(items, "access-activated")
    assert items["separate-credentials"]["status"] == "passed"


def test_stale_run_fails(world: World, tmp_path: Path) -> None:
    reports = _reports(tmp_path, world, finished=datetime.now(UTC) - timedelta(days=3))
    code, items = _golive(world, reports)
    assert code == 1
    assert {k for k, v in _statuses(items).items() if v != "passed"} == {"full-run-green"}
    assert re.search(r"72 h ago, older than 24 h", _message(items, "full-run-green"))


def test_budget_above_the_plans_limit_fails(world: World, tmp_path: Path) -> None:
    target = replace(_target(world), budget=Budget(requests_per_second=5000, max_requests=500_000))
    code, items = _golive(world, _reports(tmp_path, world), target)
    assert code == 1
    assert {k for k, v in _statuses(items).items() if v != "passed"} == {"rate-limit-budget"}
    message = _message(items, "rate-limit-budget")
    assert "allows 300000 calls per 60 s" in message and "100000 per 60 s" in message
    assert "portal usage of the application of 'primary'" in message and "plan standard" in message
    assert f"lower [targets.{NAME}.budget] requests_per_second to 1667 or less" in message


def test_cannot_tell_without_results_or_drift_and_breaking_drift_fails(world: World, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, items = _golive(world, empty)
    assert code == 1
    assert items["full-run-green"]["status"] == items["no-breaking-drift"]["status"] == "skipped"
    assert "no results.json in" in _message(items, "full-run-green")
    expected = "no drift report yet, run `apiconform run` twice or `apiconform drift`"
    assert _message(items, "no-breaking-drift") == expected

    code, items = _golive(world, _reports(tmp_path / "drifted", world, drift=2))
    assert code == 1 and items["no-breaking-drift"]["status"] == "failed"
    assert "2 breaking change(s)" in _message(items, "no-breaking-drift")


def test_a_tracked_secret_fails(world: World, tmp_path: Path) -> None:
    """The repository check can fail: a copy of the repository where a secret and the dotenv file are tracked."""
    repo = tmp_path / "leaky"
    shutil.copytree(world.repo, repo, ignore=shutil.ignore_patterns("run-reports", ".git"))
    secret = world.variables[_variable("production", "primary", "client_secret")]
    (repo / "notes.txt").write_text(f"prod secret for later: {secret}\n", encoding="utf-8")
    _git(repo, "init", "-q")
    _git(repo, "add", "-f", "apiconform.toml", "notes.txt", ".env.golive")
    world_copy = replace(world, repo=repo, config=repo / "apiconform.toml")
    code, items = _golive(world_copy, _reports(tmp_path, world))
    message = _message(items, "secrets-kept-out")
    assert code == 1 and items["secrets-kept-out"]["status"] == "failed"
    assert "the dotenv file .env.golive is tracked by git" in message
    assert "production credential 'primary' client_secret occurs in notes.txt" in message
    assert secret not in message


def test_configuration_errors_are_one_line_with_exit_2(world: World, tmp_path: Path) -> None:
    broken = tmp_path / "apiconform.toml"
    broken.write_text(
        world.config.read_text(encoding="utf-8").replace('dotenv = ".env.golive"', "")
        + "\n[targets.other]\n[targets.other.environments.production.credentials.app]\n"
        + 'client_id = "GOLIVE_UNSET_CLIENT_ID"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOLIVE_")}
    for target, expected in (
        ("nosuch", "unknown target 'nosuch'"),
        ("other", "credentials.app: app.client_id ($GOLIVE_UNSET_CLIENT_ID) is not set"),
    ):
        done = run_cli(["golive", "--config", str(broken), "--target", target], cwd=tmp_path, env=env, timeout=120)
        assert done.returncode == 2, done.stdout + done.stderr
        assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert done.stderr.startswith("apiconform: error: ") and expected in done.stderr
