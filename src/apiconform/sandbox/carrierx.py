"""CarrierX (seed 002): the Core API and the three endpoint APIs, mounted per environment.

Core (``/{env}/carrierx-core``) issues Bearer tokens and manages endpoints (carrierx_core.py); the endpoint
APIs (``/{env}/carrierx-conference|flexml|mediator``) take only the Basic login of an endpoint of their type
(carrierx_endpoint_apis.py). Data and throwaway credentials: fixtures_carrierx.py.
"""

from __future__ import annotations

from starlette.applications import Starlette

from apiconform.sandbox import carrierx_core, carrierx_endpoint_apis, fixtures_carrierx
from apiconform.sandbox.provisioning import Mounted
from apiconform.sandbox.state import Environment, SandboxState


def mount(app: Starlette, state: SandboxState, env: Environment) -> Mounted:
    store = fixtures_carrierx.provision(state, env)
    carrierx_core.mount(app, state, env)
    endpoint_apis = carrierx_endpoint_apis.mount(app, state, env)
    return Mounted(
        [carrierx_core.API, *endpoint_apis],
        credentials=fixtures_carrierx.credentials(store),
        known_inputs=fixtures_carrierx.known_inputs(store),
    )
