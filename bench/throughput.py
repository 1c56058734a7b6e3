"""Section 3: the sandbox's throughput, alone and against Stoplight Prism serving the same document.

A single httpx client in this process (the loop ``scripts/benchmark.py`` used to run) gives the sandbox's
latency-bound rate and start-up time; autocannon (npm, pinned in package.json) with 10 connections gives
what each server sustains. Both servers answer the same read (``bench.sandbox``); Prism only checks that the
credential headers are present, so it gets the same values.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.common import LOOPBACK, NODE_BIN, ROOT, MeasureError, free_port, kill_group, run_bounded, wait_port
from bench.model import Row, Section, verdict
from bench.sandbox import CHORUS, READ_PATH, READ_QUERY, SandboxProcess, chorus_base, read_headers, timed_loop
from bench.stats import Stat

TITLE = "3. Sandbox throughput, and against Stoplight Prism (autocannon)"
AUTOCANNON = NODE_BIN / "autocannon"
PRISM = NODE_BIN / "prism"
CONNECTIONS = 10
TARGET = 3.0


def _loops(info: dict[str, Any], seconds: float, repeat: int, section: Section) -> None:
    """One client, one request at a time: the AT&T lookup (id + secret) and a CarrierX read (Bearer)."""
    root, creds = info["root"], info["credentials"]["sandbox"]
    with httpx.Client(base_url=root, timeout=10) as client:
        primary = creds["primary"]
        body = info["known"]["sandbox"]["att-end-customer-lookup"]["lookupEndCustomer"][0]["body"]
        att = {"client_id": primary["client_id"], "client_secret": primary["client_secret"], "x-trace-id": "bench"}

        def lookup() -> httpx.Response:
            return client.post("/sandbox/att-end-customer-lookup/api/v1/customerAccountLookup", json=body, headers=att)

        partner = creds["partner"]
        grant = {"grant_type": "password", "username": partner["username"], "password": partner["password"]}
        token = client.post("/sandbox/carrierx-core/oauth/token", data={**grant, "scope": "endpoints.read"})
        if token.status_code != 200:
            raise MeasureError(f"CarrierX token request answered {token.status_code}")
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}

        def endpoints() -> httpx.Response:
            return client.get("/sandbox/carrierx-core/endpoints", params={"limit": 10}, headers=bearer)

        loops: dict[str, Callable[[], httpx.Response]] = {
            "AT&T lookup (client id + secret)": lookup,
            "CarrierX list endpoints (Bearer)": endpoints,
        }
        for name, send in loops.items():
            timed_loop(send, seconds=0.5)  # warm-up
            rate = Stat.of([timed_loop(send, seconds=seconds) for _ in range(repeat)])
            section.rows.append(Row.of(f"sandbox, 1 httpx client: {name}", rate, "{:,.0f}", " req/s"))
            section.data.setdefault("httpx_loop", {})[name] = rate.as_dict()


def _autocannon(url: str, headers: dict[str, str], seconds: float) -> dict[str, Any]:
    command = [str(AUTOCANNON), "-j", "-c", str(CONNECTIONS), "-d", str(seconds)]
    for key, value in headers.items():
        command += ["-H", f"{key}={value}"]
    completed = run_bounded([*command, url], timeout=seconds + 60)
    start = completed.output.find("{")
    try:
        result: dict[str, Any] = json.loads(completed.output[start:]) if start >= 0 else {}
    except ValueError:
        result = {}
    if completed.returncode != 0 or "requests" not in result:
        raise MeasureError(f"autocannon against {url} failed (exit {completed.returncode}): {completed.tail()}")
    return result


def _rate(result: dict[str, Any]) -> float:
    return float(result.get("2xx", 0)) / float(result.get("duration") or 1)


def _probe(name: str, url: str, headers: dict[str, str]) -> None:
    try:
        response = httpx.get(url, headers=headers, timeout=10)
    except httpx.HTTPError as exc:
        raise MeasureError(f"{name} did not answer GET {url}: {exc}") from None
    if response.status_code != 200:
        raise MeasureError(
            f"{name} answered GET {READ_PATH} with {response.status_code}, not 200: pick another operation "
            f"both serve ({response.text[:120]!r})"
        )


def _prism(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    from apiconform.contracts import api_documents

    document = next((doc for doc in api_documents() if doc.name == CHORUS), None)
    if document is None:
        raise MeasureError(f"no {CHORUS} document in schemas/")
    path = workdir / f"{CHORUS}.json"
    path.write_text(json.dumps(document.bundled), encoding="utf-8")
    port = free_port()
    process = subprocess.Popen(
        [str(PRISM), "mock", "-h", LOOPBACK, "-p", str(port), str(path)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_port(port, 60, process)
    except MeasureError:
        kill_group(process)
        raise
    return process, f"http://{LOOPBACK}:{port}"


def _fresh_sandbox_run(seconds: float) -> dict[str, Any]:
    """One load run against a sandbox of its own: at this rate one run spends a good part of the standard plan's
    100,000 calls a minute, and a second run in the same window would measure 429s."""
    with SandboxProcess() as info:
        headers = read_headers(info["credentials"]["sandbox"]["primary"])
        query = "&".join(f"{k}={v}" for k, v in READ_QUERY.items())
        url = f"{chorus_base(info['root'])}{READ_PATH}?{query}"
        _probe("the sandbox", url, headers)
        _autocannon(url, headers, 1)  # warm-up: connections, caches
        return _autocannon(url, headers, seconds)


def measure(repeat: int, seconds: float) -> Section:
    section = Section("throughput", TITLE)
    with SandboxProcess() as info:
        section.rows.append(Row("sandbox start-up (child process)", f"{info['startup_s'] * 1000:.0f} ms", "1"))
        _loops(info, seconds, repeat, section)
        if not AUTOCANNON.exists() or shutil.which("node") is None:
            section.notes.append("autocannon is not installed (run `make node-setup`): load-generator rows skipped")
            return section
        if not PRISM.exists():
            section.notes.append("Prism is not installed (run `make node-setup`): sandbox/Prism rows skipped")
            return section
        headers = read_headers(info["credentials"]["sandbox"]["primary"])
        query = "&".join(f"{k}={v}" for k, v in READ_QUERY.items())
        with tempfile.TemporaryDirectory(prefix="apiconform-bench-prism-") as tmp:
            prism, prism_root = _prism(Path(tmp))
            try:
                prism_url = f"{prism_root}{READ_PATH}?{query}"
                _probe("Prism", prism_url, headers)
                _autocannon(prism_url, headers, 1)  # warm-up: connections, caches, Prism's JIT
                runs: dict[str, list[dict[str, Any]]] = {"sandbox": [], "prism": []}
                for _ in range(repeat):
                    runs["sandbox"].append(_fresh_sandbox_run(seconds))
                    time.sleep(0.5)
                    runs["prism"].append(_autocannon(prism_url, headers, seconds))
            finally:
                kill_group(prism)
    sandbox = Stat.of([_rate(r) for r in runs["sandbox"]])
    prism_rate = Stat.of([_rate(r) for r in runs["prism"]])
    ratio = Stat.of([_rate(s) / max(_rate(p), 1e-9) for s, p in zip(runs["sandbox"], runs["prism"], strict=True)])
    for name, stat, results in (("sandbox", sandbox, runs["sandbox"]), ("Prism", prism_rate, runs["prism"])):
        bad = sum(int(r.get("non2xx", 0)) + int(r.get("errors", 0)) for r in results)
        note = f"{bad} non-2xx or errors" if bad else ""
        section.rows.append(Row.of(f"{name}, autocannon -c {CONNECTIONS}: 2xx/s", stat, "{:,.0f}", note=note))
    section.rows.append(
        Row.of("sandbox / Prism", ratio, "{:.2f}", target=f">= {TARGET:g}", verdict=verdict(ratio.median >= TARGET))
    )
    section.data["autocannon"] = {
        "operation": f"{CHORUS} GET {READ_PATH}?{query}",
        "connections": CONNECTIONS,
        "seconds": seconds,
        "sandbox": sandbox.as_dict(),
        "prism": prism_rate.as_dict(),
        "ratio": ratio.as_dict(),
        "latency_p50_ms": {
            "sandbox": runs["sandbox"][-1].get("latency", {}).get("p50"),
            "prism": runs["prism"][-1].get("latency", {}).get("p50"),
        },
    }
    section.notes.append(
        f"autocannon: {CONNECTIONS} connections, {seconds:g} s per run, against {CHORUS} GET {READ_PATH}?{query}; "
        "the sandbox in a spawned child process (SandboxServer, a fresh one per run), Prism 5 `prism mock` of the "
        "bundled document (its request log discarded)"
    )
    return section
