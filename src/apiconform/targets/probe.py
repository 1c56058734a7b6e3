"""``apiconform targets --check``: is each configured base URL reachable, before a run spends its time?

One GET per environment and API, through the target client (budget, redirect policy, bounds, redaction),
without credentials: any HTTP answer (even 401 or 404) means the host, TLS and routing work. A refused
connection, a TLS failure, a timeout or a gateway error is what a run would otherwise meet test by test.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from apiconform.config import Target
from apiconform.config.model import Limits
from apiconform.errors import ApiconformError
from apiconform.reporting.redaction import redact_url
from apiconform.targets.budget import RequestBudget
from apiconform.targets.client import TargetClient

PROBE_LIMITS = Limits(connect_seconds=5.0, response_seconds=10.0, breaker_failures=1000)


@dataclass(frozen=True)
class Probe:
    environment: str
    api: str
    url: str  # redacted
    reachable: bool
    answer: str  # "HTTP 404 in 0.03 s" or the reason it is not reachable


def probe_target(target: Target) -> list[Probe]:
    """One probe per (environment, API) base URL, in configuration order."""
    client = TargetClient(RequestBudget(10, 1000), allow_writes=False, limits=PROBE_LIMITS)
    out: list[Probe] = []
    try:
        for env_name, env in target.environments.items():
            for api, url in env.base_urls.items():
                start = time.monotonic()
                try:
                    response = client.request("GET", url, production=env.production)
                except ApiconformError as exc:  # unavailable (refused, TLS, timeout, 5xx gateway, loop)
                    out.append(Probe(env_name, api, redact_url(url), False, str(exc).split(": ", 1)[-1]))
                    continue
                seconds = time.monotonic() - start
                answer = f"HTTP {response.status_code} in {seconds:.2f} s"
                out.append(Probe(env_name, api, redact_url(url), True, answer))
    finally:
        client.close()
    return out
