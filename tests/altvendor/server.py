"""Start the alt vendor: two API hosts and a token host, each uvicorn in a thread on a free loopback port.

``start_altvendor`` is a context manager yielding ``AltVendor``: the URLs, fresh credentials per start and
environment, and the run-time switches (regressions, clock, token lifetime). Credentials and token values
are random; everything else is deterministic per start.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from tests.altvendor.app import ATT_PREFIX, CORE_PREFIX, EnvironmentSetup, api_app
from tests.altvendor.att_data import lookup_examples
from tests.altvendor.control import ATT, CORE, ENVIRONMENTS, Control
from tests.altvendor.endpoints import provision
from tests.altvendor.tokens import Client, TokenRegistry, token_app


@contextmanager
def _serve(app: ASGIApp) -> Iterator[str]:
    """The tests/servers.py pattern: bind 127.0.0.1:0, wait until started, always stop in ``finally``."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name="altvendor")
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("alt vendor server did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class AltVendor:
    """A running alt vendor; ``base_urls[env][api]``, ``token_urls[env]``, ``credentials[env][api]``."""

    base_urls: dict[str, dict[str, str]]
    token_host: str
    token_urls: dict[str, str]
    credentials: dict[str, dict[str, dict[str, str]]]
    lookup_examples: dict[str, list[dict[str, Any]]]
    endpoint_sids: dict[str, list[str]]
    _control: Control = field(repr=False)

    @property
    def regressions(self) -> frozenset[str]:
        return self._control.active

    def set_regressions(self, names: Iterable[str]) -> None:
        """Replace the active regressions (an unknown name is a ValueError); takes effect on the next request."""
        self._control.set_regressions(names)

    @property
    def token_lifetime_s(self) -> int:
        return self._control.token_lifetime_s

    def set_token_lifetime(self, seconds: int) -> None:
        """``expires_in`` of tokens issued from now on."""
        self._control.set_token_lifetime(seconds)

    def advance_clock(self, seconds: float) -> None:
        """Move the vendor's clock forward (token expiry) without sleeping."""
        self._control.advance(seconds)

    def describe(self) -> dict[str, Any]:
        return {
            "base_urls": self.base_urls,
            "token_urls": self.token_urls,
            "credentials": self.credentials,
            "regressions": sorted(self.regressions),
            "token_lifetime_s": self.token_lifetime_s,
            "lookup_examples": self.lookup_examples,
        }


def _client(prefix: str) -> Client:
    return Client(f"{prefix}-{secrets.token_hex(8)}", secrets.token_urlsafe(24))


@contextmanager
def start_altvendor(regressions: Iterable[str] = (), *, token_lifetime_s: int = 3600) -> Iterator[AltVendor]:
    """Run the alt vendor until the ``with`` block ends; unknown regression names raise ValueError first."""
    control = Control(regressions, token_lifetime_s)
    registry = TokenRegistry(control)
    setups = {
        env: EnvironmentSetup(env, _client(f"att-{env[:3]}"), _client(f"cx-{env[:3]}"), provision(env))
        for env in ENVIRONMENTS
    }
    with ExitStack() as stack:
        token_host = stack.enter_context(_serve(token_app(control, registry, {e: s.core for e, s in setups.items()})))
        hosts = {env: stack.enter_context(_serve(api_app(control, registry, s))) for env, s in setups.items()}
        yield AltVendor(
            base_urls={env: {ATT: host + ATT_PREFIX, CORE: host + CORE_PREFIX} for env, host in hosts.items()},
            token_host=token_host,
            token_urls={env: f"{token_host}/{env}/oauth2/token" for env in ENVIRONMENTS},
            credentials={
                env: {
                    ATT: {"client_id": s.att.client_id, "client_secret": s.att.client_secret},
                    CORE: {"client_id": s.core.client_id, "client_secret": s.core.client_secret},
                }
                for env, s in setups.items()
            },
            lookup_examples={env: lookup_examples(env) for env in ENVIRONMENTS},
            endpoint_sids={env: list(s.store.items) for env, s in setups.items()},
            _control=control,
        )
