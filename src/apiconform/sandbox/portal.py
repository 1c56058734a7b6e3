"""The developer portal as an API (seeds 001 and 003): applications, secrets, contracts, usage, admin.

The vendors' portals are web pages; the sandbox exposes the same operations over HTTP (described by
``schemas/portal/portal.openapi.json``) so the lifecycle suite can drive them.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from apiconform.sandbox.basic_auth import basic_matches
from apiconform.sandbox.defects import DEFECTS
from apiconform.sandbox.gateway import challenge, gateway_error
from apiconform.sandbox.refusal import Refusal
from apiconform.sandbox.state import ENVIRONMENTS, PLANS, Application, Contract, SandboxState, iso

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


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _bad_request("The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise _bad_request("The body must be a JSON object.")
    return body


def _string(
    body: dict[str, Any], key: str, choices: tuple[str, ...] | None = None, required: bool = True
) -> str:
    value = body.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _bad_request(f"'{key}' is required and must be a non-empty string.")
    if choices is not None and value not in choices:
        raise _bad_request(f"'{key}' must be one of {', '.join(choices)}.")
    return value


def mount(app: FastAPI, state: SandboxState) -> None:
    """Mount the portal under ``/portal``."""
    router = APIRouter()

    def authorize(request: Request, role: str) -> None:
        login, password = state.portal_users[role]
        if not basic_matches(request.headers.get("authorization"), login, password):
            raise Refusal(
                gateway_error(
                    401, "Unauthorized", "Invalid portal login.", challenge(state, 'Basic realm="portal"')
                )
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
        body = await _json_object(request)
        name = _string(body, "name")
        organisation = _string(body, "organisation")
        environment = _string(body, "environment", ENVIRONMENTS)
        plan_id = _string(body, "plan_id", tuple(PLANS))
        description = body.get("description")
        if description is not None and not isinstance(description, str):
            raise _bad_request("'description' must be a string.")
        registered = state.register_app(name, organisation, environment, plan_id, description)  # type: ignore[arg-type]
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
        body = await _json_object(request)
        api = _string(body, "api", KNOWN_APIS)
        environment = _string(body, "environment", ENVIRONMENTS)
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
        environment = _string(await _json_object(request), "environment", ENVIRONMENTS)
        state.switch_environment(target, environment)  # type: ignore[arg-type]
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
        names = (await _json_object(request)).get("defects")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise _bad_request("'defects' must be an array of defect names.")
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
        seconds = (await _json_object(request)).get("seconds")
        if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
            raise _bad_request("'seconds' must be a non-negative integer.")
        return JSONResponse({"now": iso(state.advance_clock(seconds))})

    app.include_router(router, prefix="/portal")
