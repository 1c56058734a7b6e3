"""CarrierX Core's endpoints: body checks, writing attributes, the returned view and the CRUD handlers.

Seed 002 (002_21c12c8c54fabbce.txt): Core hands out "the endpoint login credentials for Conference, FlexML,
and Mediator", and read-only attributes are ones a client "can neither set nor modify". The statuses (create
answers 200, 415/400/422 for bodies) follow vendor-facts.md (CarrierX); shapes: schemas/carrierx/endpoint*.json.
Every handler authorizes first (carrierx_tokens.py); listing delegates to carrierx_listing.py.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from apiconform.contracts import validator_for
from apiconform.sandbox.carrierx_errors import error, media_type, problem
from apiconform.sandbox.carrierx_listing import envelope, page_params, select
from apiconform.sandbox.carrierx_tokens import MANAGE, READ, authorize
from apiconform.sandbox.fixtures_carrierx import API_OF_TYPE, HOSTED_TYPES, CarrierxStore, new_endpoint, stores_of
from apiconform.sandbox.refusal import Refusal
from apiconform.sandbox.state import Environment, SandboxState

TYPES = ("conference", "conference_playback", "conference_v2", "flexml", "mediator", "third_party")
READ_ONLY = frozenset({"endpoint_sid", "cps_limit", "voip_token", "partner"})
CREATE_KEYS = frozenset(
    {
        "name",
        "addresses",
        "attributes",
        "capacity",
        "out_sip_username",
        "out_sip_password",
        "partner_sid",
        "properties",
        "transformations",
        "type",
    }
)
UPDATE_KEYS = CREATE_KEYS - {"type", "partner_sid"}  # endpoint-update.json x-omitted: fixed at creation
SYSTEM_PROPERTIES = ("account_sid", "api_url", "container_sid", "login", "password")
FILTERABLE = CREATE_KEYS | {"endpoint_sid", "cps_limit", "voip_token"}  # what filter and order may name


# -- bodies --------------------------------------------------------------------------------------------------
async def json_object(request: Request) -> dict[str, Any]:
    """vendor-facts.md: 415 without ``Content-Type: application/json``, 400 undecodable, 422 not an object."""
    if media_type(request) != "application/json":
        raise Refusal(
            error(
                415,
                "unsupported media type",
                [problem("Content-Type", "must be application/json", "unsupported_media_type")],
            )
        )
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Refusal(error(400, "bad request", [{"message": "the body is not valid JSON"}])) from exc
    if not isinstance(body, dict):
        raise Refusal(error(422, "object validation error", [problem("", "the body must be an object", "type")]))
    return body


def _is_int(value: Any) -> bool:
    """JSON Schema integers: 1888.0 is one too (draft 2020-12 counts a zero fraction as an integer)."""
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, int) and not isinstance(value, bool)


def _objects(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def _properties_ok(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    if any(key in value and not isinstance(value[key], str) for key in SYSTEM_PROPERTIES):
        return False
    url = value.get("api_url")
    return url is None or bool(urlsplit(url).scheme and urlsplit(url).netloc)


CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "name": (lambda v: isinstance(v, str), "must be a string"),
    "type": (lambda v: v in TYPES, f"must be one of {', '.join(TYPES)}"),
    "capacity": (lambda v: _is_int(v) and v >= 0, "must be a non-negative integer"),
    "attributes": (
        lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
        "must be an object of strings",
    ),
    "addresses": (_objects, "must be a list of objects"),
    "transformations": (_objects, "must be a list of objects"),
    "properties": (_properties_ok, "must be an object; login, password, sids and api_url are strings"),
    "out_sip_username": (lambda v: v is None or isinstance(v, str), "must be a string or null"),
    "out_sip_password": (lambda v: v is None or isinstance(v, str), "must be a string or null"),
    "cps_limit": (lambda v: _is_int(v) and v >= 0, "must be a non-negative integer"),
    "voip_token": (lambda v: v is None or isinstance(v, str), "must be a string or null"),
}


def validate(state: SandboxState, body: dict[str, Any], allowed: frozenset[str], partner_sid: str) -> None:
    """422, one ``errors`` entry per bad attribute (seed 002: "read only ... can neither set nor modify")."""
    writable = state.has("read-only-attribute-writable")
    problems: list[dict[str, str]] = []
    for key, value in body.items():
        if key in READ_ONLY and not writable:
            problems.append(problem(key, "read only attribute", "read_only"))
        elif key not in allowed and key not in READ_ONLY:
            reason = "not_updatable" if key in CREATE_KEYS else "unknown_attribute"
            problems.append(problem(key, "attribute cannot be set here", reason))
        elif key in CHECKS and not CHECKS[key][0](value):
            problems.append(problem(key, CHECKS[key][1], "invalid"))
        elif key == "partner_sid" and value != partner_sid:
            problems.append(problem(key, "not a partner this account may use", "invalid"))
    if not problems:
        schema = "carrierx/endpoint-create.json" if allowed == CREATE_KEYS else "carrierx/endpoint-update.json"
        checked = {k: v for k, v in body.items() if not (writable and k in READ_ONLY)}
        for failure in validator_for(schema).iter_errors(checked):
            key = str(failure.absolute_path[0]) if failure.absolute_path else "body"
            problems.append(problem(key, failure.message[:200], "invalid"))
            break
    if problems:
        raise Refusal(error(422, "object validation error", problems))


def apply(endpoint: dict[str, Any], body: dict[str, Any]) -> None:
    """Write settable attributes; hosted endpoints keep their system-issued properties (login, password)."""
    for key, value in body.items():
        if key == "properties":
            kept = {k: v for k, v in endpoint["properties"].items() if k in SYSTEM_PROPERTIES}
            fresh = copy.deepcopy(value)
            endpoint["properties"] = {**endpoint["properties"], **fresh}
            if endpoint["type"] in HOSTED_TYPES:
                endpoint["properties"].update(kept)
                endpoint["properties"].pop("api_url", None)
        elif key in ("capacity", "cps_limit"):
            endpoint[key] = int(value)
        elif key in CREATE_KEYS or key == "voip_token":
            endpoint[key] = copy.deepcopy(value)


def endpoint_view(env: Environment, endpoint: dict[str, Any], request: Request) -> dict[str, Any]:
    """The endpoint as Core returns it; a hosted endpoint's ``api_url`` is its API's loopback base URL."""
    view = copy.deepcopy(endpoint)
    api = API_OF_TYPE.get(view["type"])
    if api is not None:
        view["properties"]["api_url"] = f"{str(request.base_url).rstrip('/')}/{env}/{api}"
    return view


# -- handlers ------------------------------------------------------------------------------------------------
def _find(state: SandboxState, env: Environment, endpoint_sid: str) -> dict[str, Any]:
    endpoint = stores_of(state)[env].endpoints.get(endpoint_sid)
    if endpoint is None:
        raise Refusal(error(404, "not found", [problem("endpoint_sid", "cannot find item by SID", "not_found")]))
    return endpoint


def list_endpoints(state: SandboxState, env: Environment, store: CarrierxStore, request: Request) -> Response:
    authorize(state, env, request, READ)
    limit, offset = page_params(request)
    with state.lock:
        items = [endpoint_view(env, e, request) for e in store.endpoints.values()]
    return JSONResponse(envelope(state, request, select(items, request, FILTERABLE), limit, offset))


async def create_endpoint(state: SandboxState, env: Environment, store: CarrierxStore, request: Request) -> Response:
    caller = authorize(state, env, request, MANAGE)
    body = await json_object(request)
    validate(state, body, CREATE_KEYS, caller.partner_sid)
    endpoint = new_endpoint(caller.partner_sid, body.get("type", "third_party"), body.get("name", "N/A"))
    apply(endpoint, body)
    with state.lock:
        store.endpoints[endpoint["endpoint_sid"]] = endpoint
        view = endpoint_view(env, endpoint, request)
    # vendor-facts.md: "create returns **200**, not 201"; the defect answers the undocumented 201.
    return JSONResponse(view, status_code=201 if state.has("undocumented-status") else 200)


def get_endpoint(state: SandboxState, env: Environment, endpoint_sid: str, request: Request) -> Response:
    authorize(state, env, request, READ)
    with state.lock:
        return JSONResponse(endpoint_view(env, _find(state, env, endpoint_sid), request))


async def update_endpoint(state: SandboxState, env: Environment, endpoint_sid: str, request: Request) -> Response:
    caller = authorize(state, env, request, MANAGE)
    _find(state, env, endpoint_sid)
    body = await json_object(request)
    validate(state, body, UPDATE_KEYS, caller.partner_sid)
    with state.lock:
        endpoint = _find(state, env, endpoint_sid)
        apply(endpoint, body)
        return JSONResponse(endpoint_view(env, endpoint, request))


def delete_endpoint(
    state: SandboxState, env: Environment, store: CarrierxStore, endpoint_sid: str, request: Request
) -> Response:
    authorize(state, env, request, MANAGE)
    with state.lock:
        _find(state, env, endpoint_sid)
        del store.endpoints[endpoint_sid]
    return Response(status_code=204)
