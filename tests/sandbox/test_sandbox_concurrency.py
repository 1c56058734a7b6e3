"""The embedded sandbox under concurrent load from many threads and several processes at once.

State lives behind one lock (state.py): concurrent calls must neither fail nor lose a count, and concurrent
registrations must never hand out the same application id or client id twice.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from apiconform.contracts import load_schema, validator_for
from apiconform.sandbox.server import SandboxServer

ATT = "att-end-customer-lookup"
PATH = "/api/v1/customerAccountLookup"
SEED_RECORDS = load_schema("att/end-customer-lookup-response.json")["examples"][0]
THREADS = 8
THREAD_CALLS = 150
PROCESSES = 3
PROCESS_CALLS = 50

# A worker process: reports "ready", waits for "go" on stdin, sends its calls, prints [status, body] pairs.
WORKER = textwrap.dedent(
    """
    import json, sys
    import httpx
    job = json.loads(sys.stdin.readline())
    print("ready", flush=True)
    sys.stdin.readline()
    out = []
    with httpx.Client(headers=job["headers"], timeout=30, trust_env=False) as client:
        for _ in range(job["n"]):
            response = client.post(job["url"], json=job["body"])
            out.append([response.status_code, response.text])
    print(json.dumps(out), flush=True)
    """
)


def portal(server: SandboxServer, role: str = "developer") -> httpx.Client:
    cred = server.manifest.portal_credentials[role]
    return httpx.Client(base_url=server.manifest.portal_url, auth=(cred["username"], cred["password"]), timeout=30)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running


def start_window(server: SandboxServer) -> None:
    """Move the sandbox clock to the start of a fresh 60 s window so no count is split across two windows."""
    with portal(server, "admin") as admin:
        now = admin.post("/v1/admin/clock", json={"seconds": 0}).json()["now"]
        assert admin.post("/v1/admin/clock", json={"seconds": 60 - int(now[17:19])}).status_code == 200


def test_concurrent_lookups_from_threads_and_processes(server: SandboxServer) -> None:
    env = "sandbox"
    cred = server.manifest.credentials[env]["primary"]
    url = server.manifest.base_url(env, ATT) + PATH
    body = server.manifest.known_inputs[env][ATT]["lookupEndCustomer"][0]["body"]
    headers = {"client_id": cred["client_id"], "client_secret": cred["client_secret"], "x-trace-id": "concurrency"}
    start_window(server)

    job = json.dumps({"url": url, "headers": headers, "body": body, "n": PROCESS_CALLS}) + "\n"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        for _ in range(PROCESSES)
    ]
    try:
        for worker in workers:
            assert worker.stdin is not None and worker.stdout is not None
            worker.stdin.write(job)
            worker.stdin.flush()
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready"
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.close()

        with httpx.Client(headers=headers, timeout=30, limits=httpx.Limits(max_connections=THREADS)) as shared:

            def one(_: int) -> tuple[int, str]:
                response = shared.post(url, json=body)
                return response.status_code, response.text

            with ThreadPoolExecutor(max_workers=THREADS) as pool:
                results = list(pool.map(one, range(THREAD_CALLS)))

        for worker in workers:
            assert worker.stdout is not None
            out = worker.stdout.read()
            assert worker.wait(timeout=30) == 0
            results.extend((status, text) for status, text in json.loads(out))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    total = THREAD_CALLS + PROCESSES * PROCESS_CALLS
    assert len(results) == total
    statuses = [status for status, _ in results]
    assert all(status < 500 for status in statuses)
    assert statuses == [200] * total
    validator = validator_for("att/end-customer-lookup-response.json")
    for _, text in results:
        records = json.loads(text)
        validator.validate(records)
        assert records == SEED_RECORDS

    with portal(server) as dev:
        usage = dev.get(f"/v1/apps/{cred['app_id']}/usage")
    assert usage.status_code == 200
    validator_for("portal/usage.json").validate(usage.json())
    items = usage.json()["items"]
    common = next(i for i in items if (i["api"], i["operation"]) == ("*", "*"))
    assert common["calls"] == total
    assert common["remaining"] == common["limit"] - total


def test_concurrent_rate_limit_never_over_serves(server: SandboxServer) -> None:
    """Bronze allows 5 lookups per window: of 40 simultaneous calls exactly 5 are served, the rest 429."""
    env = "sandbox"
    cred = server.manifest.credentials[env]["limited"]
    url = server.manifest.base_url(env, ATT) + PATH
    body = server.manifest.known_inputs[env][ATT]["lookupEndCustomer"][0]["body"]
    headers = {"client_id": cred["client_id"], "client_secret": cred["client_secret"], "x-trace-id": "concurrency"}
    start_window(server)
    with httpx.Client(headers=headers, timeout=30) as shared, ThreadPoolExecutor(max_workers=THREADS) as pool:
        statuses = list(pool.map(lambda _: shared.post(url, json=body).status_code, range(40)))
    assert sorted(statuses) == [200] * 5 + [429] * 35


def test_concurrent_registrations_get_distinct_ids(server: SandboxServer) -> None:
    count = 50
    with portal(server) as dev:

        def register(i: int) -> dict[str, Any]:
            body = {"name": f"parallel-{i}", "organisation": "acme", "environment": "sandbox", "plan_id": "standard"}
            response = dev.post("/v1/apps", json=body)
            assert response.status_code == 201, response.text
            app: dict[str, Any] = response.json()
            validator_for("portal/app-registration.json").validate(app)
            return app

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            apps = list(pool.map(register, range(count)))

        assert len({a["app_id"] for a in apps}) == count
        assert len({a["client_id"] for a in apps}) == count
        assert len({a["client_secret"] for a in apps}) == count
        assert {a["name"] for a in apps} == {f"parallel-{i}" for i in range(count)}
        for app in apps[:5]:
            read = dev.get(f"/v1/apps/{app['app_id']}")
            assert read.status_code == 200 and read.json()["client_id"] == app["client_id"]
