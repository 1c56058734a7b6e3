"""The ASGI apps: one API host per environment (AT&T under ``/att``, Core under ``/core/v2``) and one token host.

The sandbox serves every API and environment from one server under ``/{env}/{api}``; this vendor gives each
environment its own host (so a base URL is all that differs) and puts the authorization server apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.routing import Mount

from tests.altvendor.att import lookup_app_routes
from tests.altvendor.control import Control
from tests.altvendor.core import Core
from tests.altvendor.endpoints import EndpointStore
from tests.altvendor.responses import EXCEPTION_HANDLERS
from tests.altvendor.tokens import Client, TokenRegistry

ATT_PREFIX = "/att"
CORE_PREFIX = "/core/v2"


@dataclass(frozen=True)
class EnvironmentSetup:
    """What one environment owns: its AT&T credentials, its Core OAuth client and its endpoints."""

    env: str
    att: Client
    core: Client
    store: EndpointStore


def api_app(control: Control, registry: TokenRegistry, setup: EnvironmentSetup) -> Starlette:
    core = Core(control, registry, setup.store, setup.core.client_id)
    att = lookup_app_routes(control, setup.env, setup.att.client_id, setup.att.client_secret)
    routes = [Mount(ATT_PREFIX, routes=att), Mount(CORE_PREFIX, routes=core.routes())]
    return Starlette(routes=routes, exception_handlers=EXCEPTION_HANDLERS)
