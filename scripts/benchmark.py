"""Throughput of the embedded sandbox, measured with a loopback client in another process.

    python scripts/benchmark.py [--seconds 5]

Prints requests per second for the AT&T lookup (client id + secret) and for a token-authenticated
CarrierX read (Bearer), and the sandbox's start-up time. Traffic stays on 127.0.0.1; every loop is
bounded in time.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from multiprocessing.connection import Connection
from typing import Any

import httpx


def _serve(conn: Connection) -> None:
    from apiconform.sandbox.server import SandboxServer

    started = time.perf_counter()
    server = SandboxServer()
    manifest = server.start()
    conn.send(
        {
            "startup_s": time.perf_counter() - started,
            "root": manifest.root_url,
            "credentials": manifest.credentials,
            "known": manifest.known_inputs,
        }
    )
    conn.recv()  # wait for "stop"
    server.stop()


def _loop(seconds: float, send: Any) -> tuple[int, float]:
    count, errors = 0, 0
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        if send().status_code >= 500:
            errors += 1
        count += 1
    if errors:
        raise SystemExit(f"{errors} server errors during the benchmark")
    return count, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(target=_serve, args=(child,), daemon=True)
    process.start()
    info = parent.recv()
    root, creds = info["root"], info["credentials"]["sandbox"]
    print(f"sandbox start-up: {info['startup_s'] * 1000:.0f} ms")
    with httpx.Client(base_url=root, timeout=5) as client:
        primary = creds["primary"]
        lookup_body = info["known"]["sandbox"]["att-end-customer-lookup"]["lookupEndCustomer"][0]["body"]
        headers = {
            "client_id": primary["client_id"],
            "client_secret": primary["client_secret"],
            "x-trace-id": "bench",
        }

        def lookup() -> httpx.Response:
            return client.post(
                "/sandbox/att-end-customer-lookup/api/v1/customerAccountLookup",
                json=lookup_body,
                headers=headers,
            )

        partner = creds["partner"]
        token = client.post(
            "/sandbox/carrierx-core/oauth/token",
            data={
                "grant_type": "password",
                "username": partner["username"],
                "password": partner["password"],
                "scope": "endpoints.read",
            },
        ).json()["access_token"]

        def read() -> httpx.Response:
            return client.get(
                "/sandbox/carrierx-core/endpoints",
                params={"limit": 10},
                headers={"Authorization": f"Bearer {token}"},
            )

        for name, send in (
            ("AT&T lookup (client id + secret)", lookup),
            ("CarrierX list endpoints (Bearer)", read),
        ):
            _loop(0.5, send)  # warm-up
            count, elapsed = _loop(args.seconds, send)
            print(f"{name}: {count / elapsed:,.0f} requests/s ({count} in {elapsed:.1f} s)")
    parent.send("stop")
    process.join(timeout=10)


if __name__ == "__main__":
    main()
