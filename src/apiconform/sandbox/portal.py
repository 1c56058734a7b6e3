"""The developer portal as an API (seeds 001 and 003): applications, secrets, contracts, usage, admin.

The vendors' portals are web pages; the sandbox exposes the same operations over HTTP (described by
``schemas/portal/portal.openapi.json``) so the lifecycle suite can drive them.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from apiconform.contracts import validator_for
from apiconform.sandbox.basic_auth import basic_matches
from apiconform.sandbox.defects import DEFECTS
from apiconform.sandbox.gateway import challenge, gateway_error
from apiconform.sandbox.refusal import Refusal
from apiconform.sandbox.routes import Routes
from apiconform.sandbox.state import PLANS, Application, Contract, SandboxState, iso

KNOWN_APIS = (
    "att-end-customer-lookup",
    "chorus-line-test",
    "carrierx-core",
    "carrierx-conference",
    "carrierx-flexml",
    "carrierx-mediator",
)


def _app_view(state: SandboxState, app: Application) -> dict[str, Any]:
    view: dict[str, Any] = {
        "app_id": app.app_id,
        "name": app.name,
        "organisation": app.organisation,
        "environment": app.environment,
        "plan_id": app.plan_id,
        "client_id": app.client_id,
        "created_at": app.created_at,
    }
    if app.description is not None:
        view["description"] = app.description
    if state.has("secret-readable-after-registration"):
        view["client_secret"] = app.client_secret
    return view


def _contract_view(contract: Contract) -> dict[str, Any]:
    return {
        "contract_id": contract.contract_id,
        "app_id": contract.app_id,
        "api": contract.api,
        "environment": contract.environment,
        "status": contract.status,
        "created_at": contract.created_at,
        "updated_at": contract.updated_at,
    }


def _plan_view(plan_id: str) -> dict[str, Any]:
    plan = PLANS[plan_id]
    return {
        "plan_id": plan.plan_id,
        "name": plan.name,
        "restricted": plan.restricted,
        "rate_limit": (
            {"calls": plan.common_calls, "interval_seconds": plan.common_interval_seconds}
            if plan.common_calls is not None
            else None
        ),
        "operation_limits": [
            {
                "api": lim.api,
                "operation": lim.operation,
                "calls": lim.calls,
                "interval_seconds": lim.interval_seconds,
            }
            for lim in plan.operation_limits
        ],
    }


def _bad_request(more: str) -> Refusal:
    return Refusal(gateway_error(400, "Bad Request", more))


def _not_found(what: str) -> Refusal:
    return Refusal(gateway_error(404, "Not Found", f"{what} not found"))


async def _body(request: Request, schema: str) -> dict[str, Any]:
    """The JSON body, valid against the portal's own request schema (its documentation), or a 400."""
    try:
        body = json.loads(await request.body() or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _bad_request("The body is not valid JSON.") from None
    error = next(iter(validator_for(f"portal/{schema}.json").iter_errors(body)), None)
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "body"
        raise _bad_request(f"{where}: {error.message}"[:300])
    return dict(body)


def mount(app: Starlette, state: SandboxState) -> None:
    """Mount the portal under ``/portal``."""
    router = Routes()

    def authorize(request: Request, role: str) -> None:
        login, password = state.portal_users[role]
        if not basic_matches(request.headers.get("authorization"), login, password):
            raise Refusal(
                gateway_error(401, "Unauthorized", "Invalid portal login.", challenge(state, 'Basic realm="portal"'))
            )

    def find_app(app_id: str) -> Application:
        found = state.apps.get(app_id)
        if found is None:
            raise _not_found("application")
        return found

    def find_contract(contract_id: str) -> Contract:
        found = state.contracts.get(contract_id)
        if found is None:
            raise _not_found("contract")
        return found

    @router.get("/v1/plans")
    def list_plans(request: Request) -> Response:
        authorize(request, "developer")
        return JSONResponse([_plan_view(p) for p in PLANS])

    @router.post("/v1/apps")
    async def register_app(request: Request) -> Response:
        authorize(request, "developer")
        body = await _body(request, "app-registration-request")
        if body["plan_id"] not in PLANS:
            raise _not_found(f"plan {body['plan_id']!r}")
        registered = state.register_app(
            body["name"], body["organisation"], body["environment"], body["plan_id"], body.get("description")
        )
        view = _app_view(state, registered) | {"client_secret": registered.client_secret}
        return JSONResponse(view, status_code=201)

    @router.get("/v1/apps/{app_id}")
    def get_app(app_id: str, request: Request) -> Response:
        authorize(request, "developer")
        return JSONResponse(_app_view(state, find_app(app_id)))

    @router.post("/v1/apps/{app_id}/reset-secret")
    def reset_secret(app_id: str, request: Request) -> Response:
        authorize(request, "developer")
        target = find_app(app_id)
        secret = state.reset_secret(target)
        return JSONResponse({"client_id": target.client_id, "client_secret": secret})

    @router.post("/v1/apps/{app_id}/contracts")
    async def request_access(app_id: str, request: Request) -> Response:
        authorize(request, "developer")
        target = find_app(app_id)
        body = await _body(request, "contract-request")
        api, environment = body["api"], body["environment"]
        if api not in KNOWN_APIS:
            raise _not_found(f"API {api!r}")
        if environment != target.environment:
            more = f"The application is registered for {target.environment}; register another one for {environment}."
            return gateway_error(409, "Conflict", more)
        contract = state.request_access(target, api, target.environment)
        return JSONResponse(_contract_view(contract), status_code=201)

    @router.get("/v1/apps/{app_id}/contracts")
    def list_contracts(app_id: str, request: Request) -> Response:
        authorize(request, "developer")
        return JSONResponse([_contract_view(c) for c in state.contracts_of(find_app(app_id))])

    @router.get("/v1/contracts/{contract_id}")
    def get_contract(contract_id: str, request: Request) -> Response:
        authorize(request, "developer")
        return JSONResponse(_contract_view(find_contract(contract_id)))

    @router.post("/v1/contracts/{contract_id}/cancel")
    def cancel_contract(contract_id: str, request: Request) -> Response:
        authorize(request, "developer")
        contract = state.set_contract_status(find_contract(contract_id), "cancelled")
        return JSONResponse(_contract_view(contract))

    @router.post("/v1/apps/{app_id}/switch-environment")
    async def switch_environment(app_id: str, request: Request) -> Response:
        authorize(request, "developer")
        target = find_app(app_id)
        environment = (await _body(request, "switch-environment-request"))["environment"]
        state.switch_environment(target, environment)
        return JSONResponse(_app_view(state, target))

    @router.get("/v1/apps/{app_id}/usage")
    def get_usage(app_id: str, request: Request) -> Response:
        authorize(request, "developer")
        target = find_app(app_id)
        items = [
            {
                "api": api,
                "operation": op,
                "calls": calls,
                "limit": limit,
                "remaining": max(limit - calls, 0),
                "window_seconds": interval,
            }
            for api, op, calls, limit, interval in state.usage_of(target)
        ]
        return JSONResponse({"app_id": target.app_id, "plan_id": target.plan_id, "items": items})

    @router.post("/v1/admin/contracts/{contract_id}/approve")
    def approve_contract(contract_id: str, request: Request) -> Response:
        authorize(request, "admin")
        contract = state.set_contract_status(find_contract(contract_id), "activated")
        return JSONResponse(_contract_view(contract))

    def defects_view() -> dict[str, Any]:
        return {
            "active": sorted(state.defects),
            "available": [{"name": n, "description": d} for n, d in sorted(DEFECTS.items())],
        }

    @router.get("/v1/admin/defects")
    def get_defects(request: Request) -> Response:
        authorize(request, "admin")
        return JSONResponse(defects_view())

    @router.put("/v1/admin/defects")
    async def set_defects(request: Request) -> Response:
        authorize(request, "admin")
        names = (await _body(request, "defects-request"))["defects"]
        unknown = sorted(set(names) - set(DEFECTS))
        if unknown:
            more = f"Unknown defect(s) {', '.join(unknown)}; valid: {', '.join(sorted(DEFECTS))}."
            return gateway_error(422, "Unprocessable Entity", more)
        with state.lock:
            state.defects = set(names)
        return JSONResponse(defects_view())

    @router.post("/v1/admin/clock")
    async def advance_clock(request: Request) -> Response:
        authorize(request, "admin")
        seconds = (await _body(request, "clock-request"))["seconds"]
        return JSONResponse({"now": iso(state.advance_clock(seconds))})

    router.mount(app, "/portal")
