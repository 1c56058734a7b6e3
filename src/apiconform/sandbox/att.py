"""AT&T Alliance End-Customer Lookup (seed 004): ``POST /api/v1/customerAccountLookup``."""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from apiconform.contracts import validator_for
from apiconform.sandbox import gateway
from apiconform.sandbox.fixtures_att import fixtures, known_inputs
from apiconform.sandbox.provisioning import Mounted
from apiconform.sandbox.routes import Routes
from apiconform.sandbox.state import Environment, SandboxState

API = "att-end-customer-lookup"
OPERATION = "lookupEndCustomer"
MAX_RECORDS = 5


@cache
def request_validator() -> Draft202012Validator:
    return validator_for("att/end-customer-lookup-request.json")


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status)


def _validation_error(body: Any, lenient_name: bool) -> str | None:
    """The first documented rule the request breaks, or None (the request schema is the documentation)."""
    errors = sorted(request_validator().iter_errors(body), key=lambda e: list(e.absolute_path))
    for error in errors:
        where = ".".join(str(p) for p in error.absolute_path) or "body"
        if lenient_name and where == "accountName" and error.validator == "minLength":
            continue
        return f"{where}: {error.message}"
    return None


def _drift(state: SandboxState, record: dict[str, Any]) -> dict[str, Any]:
    """Apply the response-shape defects to one record."""
    if state.has("field-type-drift"):
        record["accountId"] = int("".join(c for c in record["accountId"] if c.isdigit()) or "0")
    if state.has("enum-drift"):
        record["loaStatus"] = {"Y": "Yes", "N": "No"}.get(record["loaStatus"], record["loaStatus"])
    if state.has("nullable-drift"):
        record["accountName"] = None
    return record


def _matches(state: SandboxState, env: Environment, body: dict[str, Any]) -> list[dict[str, Any]]:
    source_env: Environment = "sandbox" if state.has("sandbox-data-in-production") else env
    name = body["accountName"].strip().lower()
    zip_code = body["address"]["zipCode"].strip()[:5]
    found: list[dict[str, Any]] = []
    for match in fixtures(source_env):
        fuzzy = bool(name) and (name in match.name_token or match.name_token in name)
        if fuzzy and zip_code == match.zip_code[:5]:
            found.extend(copy.deepcopy(r) for r in match.records)
    return [_drift(state, r) for r in found[:MAX_RECORDS]]


def mount(app: Starlette, state: SandboxState, env: Environment) -> Mounted:
    router = Routes()

    @router.post("/api/v1/customerAccountLookup")
    async def lookup(request: Request) -> Response:
        headers = request.headers
        auth = gateway.authenticate_client(state, env, API, headers.get("client_id"), headers.get("client_secret"))
        if auth.failure in (gateway.AuthFailure.MISSING, gateway.AuthFailure.INVALID) or auth.app is None:
            if state.has("secret-echoed-in-error") and headers.get("client_secret"):
                return gateway.unauthorized(state, f"Invalid client id or secret: {headers['client_secret']}")
            return gateway.unauthorized(state)
        if auth.failure is not None:
            return gateway.forbidden(auth.failure)
        decision = state.count_call(auth.app, API, OPERATION)
        if decision is not None and not decision.allowed:
            return gateway.too_many_requests(decision)
        limit_headers = gateway.rate_limit_headers(decision)
        if not headers.get("x-trace-id", "").strip():
            return _error(400, "x-trace-id header is required.")
        try:
            body = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error(400, "The request body is not valid JSON.")
        problem = _validation_error(body, lenient_name=state.has("invalid-input-accepted"))
        if problem:
            return _error(400, problem)
        if state.has("invalid-input-accepted") and len(body["accountName"]) < 3:
            body = body | {"accountName": fixtures(env)[0].name_token}
        records = _matches(state, env, body)
        if not records:
            response = _error(404, "No customer found")
        else:
            response = JSONResponse(records)
        response.headers.update(limit_headers)
        return response

    router.mount(app, f"/{env}/{API}")
    return Mounted([API], known_inputs={API: {OPERATION: [{"body": b} for b in known_inputs(env)]}})
