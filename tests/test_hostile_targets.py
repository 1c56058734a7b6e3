"""The suites against hostile targets on loopback (``tests/hostile``): every run ends within its bounds, an
unavailable target is "target unavailable" (exit 3) and never a contract failure, a broken answer is a
nonconformance (exit 1), and nothing a redirect points at receives a credential or a body.

Each environment and API of one configured target points at a different hostile mode, so two runs cover
every mode; the per-test categories in results.json say what each mode came out as.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.child_runs import run_cli
from tests.hostile import HostileServer, refused_url, start_hostile

ROOT = Path(__file__).resolve().parents[1]
LIMITS = "limits = { connect_seconds = 1, response_seconds = 1, max_response_bytes = 1000000, breaker_failures = 2 }"
KEYS = {"client_id": "HOSTILE_CLIENT_ID", "client_secret": "HOSTILE_CLIENT_SECRET"}
LOGIN = {"username": "HOSTILE_USER", "password": "HOSTILE_PASSWORD"}
VALUES = {
    "HOSTILE_CLIENT_ID": "hostile-client-id-0001",
    "HOSTILE_CLIENT_SECRET": "hostile-client-secret-0002",
    "HOSTILE_USER": "hostile-user",
    "HOSTILE_PASSWORD": "hostile-password-0003",
}
BASIC_APIS = ("carrierx-conference", "carrierx-flexml", "carrierx-mediator")
KEY_APIS = ("att-end-customer-lookup", "chorus-line-test")


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServer]:
    with start_hostile(slow_interval=0.3, huge_size=5_000_000) as server:
        yield server


def _inline(fields: dict[str, str]) -> str:
    return ", ".join(f'{k} = "{v}"' for k, v in fields.items())


def _config(folder: Path, urls: dict[str, dict[str, str]], token_urls: dict[str, dict[str, str]] | None = None) -> Path:
    lines = ["[targets.hostile]", LIMITS]
    for env, by_api in urls.items():
        base = ", ".join(f'{api} = "{url}"' for api, url in by_api.items())
        lines += [f"[targets.hostile.environments.{env}]", f"production = {str(env == 'production').lower()}"]
        lines.append(f"base_urls = {{ {base} }}")
        if token_urls and env in token_urls:
            lines.append("token_urls = { " + ", ".join(f'{a} = "{u}"' for a, u in token_urls[env].items()) + " }")
        keyed = [api for api in KEY_APIS if api in by_api]
        logins = [api for api in (*BASIC_APIS, "carrierx-core") if api in by_api]
        if keyed:
            lines.append(f'credentials.keys = {{ purpose = "main", apis = {json.dumps(keyed)}, {_inline(KEYS)} }}')
        if logins:
            lines.append(f'credentials.login = {{ purpose = "main", apis = {json.dumps(logins)}, {_inline(LOGIN)} }}')
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "apiconform.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def _run(config: Path, reports: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], float]:
    command = ["run", "--no-html", "--only", "contract"]
    command += ["--config", str(config), "--target", "hostile", "--reports", str(reports)]
    start = time.monotonic()
    done = run_cli(command, cwd=ROOT, env={**os.environ, **VALUES}, timeout=240)
    data = json.loads((reports / "results.json").read_text(encoding="utf-8"))
    return done, data, time.monotonic() - start


def _outcomes(data: dict[str, Any], env: str, api: str) -> set[tuple[str, str | None]]:
    mine = [t for t in data["tests"] if f"{api}:" in t["nodeid"] and f":{env}]" in t["nodeid"]]
    return {(t["outcome"], t["category"]) for t in mine if t["outcome"] != "skipped"}


UNAVAILABLE_MODES = {
    ("sandbox", "att-end-customer-lookup"): "hang",
    ("sandbox", "chorus-line-test"): "slow-body",
    ("sandbox", "carrierx-conference"): "reset",
    ("sandbox", "carrierx-flexml"): "short",
    ("sandbox", "carrierx-mediator"): "huge",
    ("production", "att-end-customer-lookup"): "maintenance502",
    ("production", "chorus-line-test"): "maintenance503",
    ("production", "carrierx-conference"): "gateway504",
    ("production", "carrierx-flexml"): "loop",
    ("production", "carrierx-mediator"): "refuse",
}


def test_an_unavailable_target_is_unavailable_in_every_mode_and_the_run_ends(
    hostile: HostileServer, tmp_path: Path
) -> None:
    urls: dict[str, dict[str, str]] = {"sandbox": {}, "production": {}}
    for (env, api), mode in UNAVAILABLE_MODES.items():
        urls[env][api] = refused_url() if mode == "refuse" else f"{hostile.url}/{mode}"
    done, data, seconds = _run(_config(tmp_path, urls), tmp_path / "reports")
    output = done.stdout + done.stderr
    assert done.returncode == 3, output[-3000:]
    assert "target unavailable" in done.stdout and "Traceback" not in output
    assert seconds < 60, f"the run took {seconds:.0f} s"
    for (env, api), mode in UNAVAILABLE_MODES.items():
        outcomes = _outcomes(data, env, api)
        assert outcomes, f"{mode}: no test ran for {api} in {env}"
        assert {category for _, category in outcomes} == {"target-unavailable"}, (mode, outcomes)
    messages = " ".join(t["message"] for t in data["tests"])
    for reason in (
        "ReadTimeout",
        "no complete answer within 1 s",
        "larger than 1,000,000 bytes",
        "HTTP 503 from its gateway",
    ):
        assert reason in messages, reason
    assert "redirect loop" in messages and "circuit open" in messages
    allure = [json.loads(p.read_text()) for p in (tmp_path / "reports" / "allure-results").glob("*-result.json")]
    ran = [r for r in allure if r["status"] != "skipped"]
    statuses = {r["status"] for r in ran}
    assert ran and statuses == {"broken"}, statuses  # Allure's "broken", not "failed": the contract was not judged


def test_a_broken_answer_is_a_nonconformance_and_no_redirect_carries_anything_away(
    hostile: HostileServer, tmp_path: Path
) -> None:
    hostile.elsewhere.clear()
    urls = {
        "sandbox": {
            "att-end-customer-lookup": f"{hostile.url}/truncated-json",
            "chorus-line-test": f"{hostile.url}/html200",
            "carrierx-conference": f"{hostile.url}/invalid-json",
            "carrierx-flexml": f"{hostile.url}/redirect302",
            "carrierx-mediator": f"{hostile.url}/redirect307",
            "carrierx-core": f"{hostile.url}/ok",
        }
    }
    tokens = {"sandbox": {"carrierx-core": f"{hostile.url}/redirect308/oauth/token"}}
    done, data, seconds = _run(_config(tmp_path, urls, tokens), tmp_path / "reports")
    assert done.returncode == 1, (done.stdout + done.stderr)[-3000:]
    assert seconds < 60
    for api in ("att-end-customer-lookup", "chorus-line-test"):  # documented bodies and media types: failures
        outcomes = _outcomes(data, "sandbox", api)
        assert ("failed", "contract-drift") in outcomes, (api, outcomes)
    for api in ("carrierx-conference", "carrierx-flexml"):  # what is only assumed there: a failure or a warning
        judged = [t for t in data["tests"] if f"{api}:" in t["nodeid"] and t["outcome"] != "skipped"]
        assert any(t["outcome"] == "failed" or t["warnings"] for t in judged), (api, judged[:2])
    everything = {c for t in data["tests"] for c in [t["category"]] if c}
    assert "target-unavailable" not in everything, everything
    core = [t for t in data["tests"] if "carrierx-core:" in t["nodeid"]]
    assert core and {(t["outcome"], t["category"]) for t in core} == {("skipped", "configuration-problem")}
    assert "a redirect to" in core[0]["message"] and "not followed" in core[0]["message"]
    assert hostile.elsewhere.received == [], [(r.method, r.path) for r in hostile.elsewhere.received]


def test_a_target_echoing_the_credentials_in_every_encoding_leaks_none(hostile: HostileServer, tmp_path: Path) -> None:
    """The echo mode reflects what it was sent (plain, base64, URL-encoded, under session/key/jwt names): the
    canary scan of every report file and of the terminal finds none of the credentials in any form."""
    from tests.canary import Canaries, scan

    urls = {"sandbox": {"att-end-customer-lookup": f"{hostile.url}/echo", "carrierx-conference": f"{hostile.url}/echo"}}
    reports = tmp_path / "reports"
    done, data, _ = _run(_config(tmp_path, urls), reports)
    echoed = [r for r in hostile.received if r.path.startswith("/echo") and r.header("client_secret")]
    assert echoed, "the echo target was never sent a credential to reflect"
    canaries = Canaries()
    for name, value in VALUES.items():
        if name != "HOSTILE_USER":  # a login's user name is not secret (it stays readable in reports)
            canaries.add(name, value, VALUES["HOSTILE_USER"] if name == "HOSTILE_PASSWORD" else None)
    result = scan([reports], canaries, {"<stdout>": done.stdout, "<stderr>": done.stderr})
    print(result.summary())
    hits = sorted({f"{h.canary} as {h.form} in {h.where}" for h in result.hits})
    assert hits == [], result.summary() + "\n" + "\n".join(hits[:40])
    assert result.files > 10 and data["tests"]


def test_targets_check_probes_each_base_url_once(hostile: HostileServer, tmp_path: Path) -> None:
    hostile.clear()
    urls = {
        "sandbox": {
            "att-end-customer-lookup": f"{hostile.url}/ok",
            "chorus-line-test": f"{hostile.url}/maintenance503",
        },
        "production": {"att-end-customer-lookup": refused_url()},
    }
    command = ["targets", "--check", "--config", str(_config(tmp_path, urls))]
    done = run_cli(command, cwd=ROOT, env={**os.environ, **VALUES})
    lines = done.stdout.splitlines()
    assert done.returncode == 3, done.stdout + done.stderr
    assert any(line.startswith("ok   hostile sandbox att-end-customer-lookup") and "HTTP 200" in line for line in lines)
    assert any(line.startswith("DOWN hostile sandbox chorus-line-test") and "HTTP 503" in line for line in lines)
    assert any(
        line.startswith("DOWN hostile production att-end-customer-lookup") and "ConnectError" in line for line in lines
    )
    assert len(hostile.received) == 2 and not any(
        r.header("client_id") for r in hostile.received
    )  # once, no credential
