"""CarrierX Core API v2 (seed 002): OAuth tokens (password grant) and endpoints, behind scoped Bearer tokens.

Seed 002 (002_21c12c8c54fabbce.txt): "Bearer token, used by the requests to the Core API" and "the specific
requests are limited by the scopes associated with the OAuth token". The status codes, the list envelope and
the filter grammar follow vendor-facts.md (CarrierX); the challenges follow RFC 6750 3 and RFC 6749 5.
Operations, statuses and scopes: ARCHITECTURE.md "carrierx-core"; shapes: schemas/carrierx/*.json.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from apiconform.contracts import validator_for
from apiconform.sandbox.basic_auth import bearer_token
from apiconform.sandbox.fixtures_carrierx import (
    API_OF_TYPE,
    HOSTED_TYPES,
    REFRESH_LIFETIME_S,
    SCOPES,
    TOKEN_LIFETIME_S,
    CarrierxStore,
    Partner,
    Token,
    new_endpoint,
    stores_of,
)
from apiconform.sandbox.gateway import challenge
from apiconform.sandbox.refusal import Refusal
from apiconform.sandbox.state import Environment, SandboxState, iso

API = "carrierx-core"
BEARER = 'Bearer realm="carrierx"'
READ = ("endpoints.read", "endpoints.manage")
MANAGE = ("endpoints.manage",)
OAUTH_MANAGE = ("oauth.manage",)
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
FILTER_OPS = frozenset({"eq", "like", "gt", "ge", "lt", "bit"})
MAX_LIMIT = 1000
DEFAULT_LIMIT = 10


# -- response bodies ----------------------------------------------------------------------------------------
def error(status: int, message: str, errors: list[dict[str, str]] | None = None) -> JSONResponse:
    """carrierx/error.json: {message, errors[]} (vendor-facts.md: the SDK reads an ``errors`` list)."""
    body: dict[str, Any] = {"message": message}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status)


def oauth_error(
    status: int, code: str, description: str, headers: dict[str, str] | None = None, scope: str | None = None
) -> JSONResponse:
    """common/oauth-error.json (RFC 6749 5.2, RFC 6750 3.1)."""
    body = {"error": code, "error_description": description}
    if scope is not None:
        body["scope"] = scope
    return JSONResponse(body, status_code=status, headers=headers)


def problem(field: str, message: str, reason: str) -> dict[str, str]:
    return {"field": field, "message": message, "reason": reason}


# -- tokens --------------------------------------------------------------------------------------------------
def candidate_stores(state: SandboxState, env: Environment) -> list[CarrierxStore]:
    """This environment's store, and the other's when ``cross-environment-credentials`` is on (seed 000)."""
    stores = stores_of(state)
    own = [stores[env]]
    if not state.has("cross-environment-credentials"):
        return own
    return own + [store for other, store in stores.items() if other != env]


def find_token(state: SandboxState, env: Environment, access_token: str) -> Token | None:
    """A live token: known here, not revoked, not expired on the sandbox clock (the admin clock moves it)."""
    with state.lock:
        for store in candidate_stores(state, env):
            token = store.tokens.get(access_token)
            if token is not None and not token.revoked and state.now() < token.expires:
                return token
    return None


def issue_token(state: SandboxState, store: CarrierxStore, partner: Partner, scopes: tuple[str, ...]) -> Token:
    with state.lock:
        now = state.now()
        token = Token(
            token_sid=str(uuid.uuid4()),
            access_token=secrets.token_urlsafe(32),
            refresh_token=secrets.token_urlsafe(32),
            partner_sid=partner.partner_sid,
            client_id=partner.client_id,
            scopes=scopes,
            environment=store.env,
            created=now,
            expires=now + TOKEN_LIFETIME_S,
            refresh_expires=now + REFRESH_LIFETIME_S,
        )
        store.tokens[token.access_token] = token
        return token


def token_view(token: Token) -> dict[str, Any]:
    """carrierx/oauth-token.json: lower-case ``bearer``, expiry as dates, no ``expires_in`` (vendor-facts)."""
    return {
        "access_token": token.access_token,
        "client_id": token.client_id,
        "date_created": iso(token.created),
        "date_expiration_access_token": iso(token.expires),
        "date_expiration_refresh_token": iso(token.refresh_expires),
        "date_last_accessed": iso(token.last_accessed) if token.last_accessed is not None else None,
        "ip_last_accessed": token.ip_last_accessed,
        "name": token.name,
        "partner_sid": token.partner_sid,
        "refresh_token": token.refresh_token,
        "scopes": list(token.scopes),
        "token_sid": token.token_sid,
        "token_type": "bearer",
    }


def _authenticate(state: SandboxState, env: Environment, request: Request) -> Token:
    """The caller's token, or a 401 with the RFC 6750 3.1 challenge (no error code when none was sent)."""
    raw = bearer_token(request.headers.get("authorization"))
    token = find_token(state, env, raw) if raw else None
    if token is not None:
        with state.lock:
            token.last_accessed = state.now()
            token.ip_last_accessed = request.client.host if request.client else None
        return token
    if state.has("auth-ignored"):
        partner = stores_of(state)[env].partner
        now = state.now()
        return Token("", "", "", partner.partner_sid, partner.client_id, SCOPES, env, now, now + 1, now + 1)
    if raw is None:
        raise Refusal(oauth_error(401, "invalid_token", "No access token was sent.", challenge(state, BEARER)))
    header = f'{BEARER}, error="invalid_token"'
    raise Refusal(
        oauth_error(401, "invalid_token", "The access token is invalid, expired or revoked.", challenge(state, header))
    )


def authorize(state: SandboxState, env: Environment, request: Request, scopes: tuple[str, ...]) -> Token:
    """Authenticate, then require one of ``scopes`` (seed 002: "limited by the scopes"; RFC 6750 3.1 403)."""
    token = _authenticate(state, env, request)
    if set(scopes) & set(token.scopes) or state.has("scope-not-enforced"):
        return token
    needed = " ".join(scopes)
    header = f'{BEARER}, error="insufficient_scope", scope="{needed}"'
    raise Refusal(
        oauth_error(
            403,
            "insufficient_scope",
            f"The token needs the scope {' or '.join(scopes)}.",
            {"WWW-Authenticate": header},
            scope=needed,
        )
    )


# -- createToken ---------------------------------------------------------------------------------------------
def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _bad_token_request(code: str, description: str) -> Refusal:
    return Refusal(oauth_error(400, code, description))


def _form(request: Request, raw: bytes) -> dict[str, str]:
    """The form fields; RFC 6749 3.2: parameters sent more than once make the request invalid."""
    if media_type(request) != "application/x-www-form-urlencoded":
        raise _bad_token_request("invalid_request", "The body must be application/x-www-form-urlencoded.")
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _bad_token_request("invalid_request", "The form body cannot be decoded.") from exc
    if any(len(values) > 1 for values in fields.values()):
        raise _bad_token_request("invalid_request", "A parameter was sent more than once.")
    return {key: values[0] for key, values in fields.items()}


def _requested_scopes(form: dict[str, str]) -> tuple[str, ...]:
    """RFC 6749 3.3: space-delimited; omitted means every scope of the partner (ARCHITECTURE.md)."""
    if "scope" not in form:
        return SCOPES
    requested = tuple(dict.fromkeys(form["scope"].split()))
    unknown = [s for s in requested if s not in SCOPES]
    if not requested or unknown:
        raise _bad_token_request("invalid_scope", f"Unknown or empty scope: {' '.join(unknown) or '(none)'}.")
    return requested


def _partner_for(state: SandboxState, env: Environment, username: str, password: str) -> Partner | None:
    """The partner whose login this is (``secret-not-checked``/``cross-environment-credentials`` widen it)."""
    with state.lock:
        for store in candidate_stores(state, env):
            partner = store.partner
            if not secrets.compare_digest(partner.username.encode(), username.encode()):
                continue
            if secrets.compare_digest(partner.password.encode(), password.encode()):
                return partner
            if state.has("secret-not-checked"):
                return partner
        return stores_of(state)[env].partner if state.has("auth-ignored") else None


async def create_token(state: SandboxState, env: Environment, request: Request) -> Response:
    form = _form(request, await request.body())
    grant = form.get("grant_type")
    if not grant:
        raise _bad_token_request("invalid_request", "grant_type is required.")
    if grant != "password":
        raise _bad_token_request("unsupported_grant_type", "Only the password grant is supported.")
    username, password = form.get("username"), form.get("password")
    if not username or not password:
        raise _bad_token_request("invalid_request", "username and password are required.")
    scopes = _requested_scopes(form)
    partner = _partner_for(state, env, username, password)
    if partner is None:
        # RFC 9110 15.5.2: a 401 carries a challenge; Basic is RFC 6749 2.3.1's client authentication scheme.
        raise Refusal(
            oauth_error(
                401,
                "invalid_client",
                "Wrong username or password.",
                challenge(state, 'Basic realm="carrierx"'),
            )
        )
    token = issue_token(state, stores_of(state)[env], partner, scopes)
    # RFC 6749 5.1: "Cache-Control: no-store" and "Pragma: no-cache" on every token response.
    headers = {} if state.has("token-response-cacheable") else {"Cache-Control": "no-store", "Pragma": "no-cache"}
    return JSONResponse(token_view(token), headers=headers)


# -- endpoint bodies -----------------------------------------------------------------------------------------
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


# -- listing: limit/offset, filter, order, envelope ----------------------------------------------------------
def page_params(request: Request) -> tuple[int, int]:
    """vendor-facts.md: ``limit`` 0..1000 (default 10), ``offset`` >= 0 (default 0); anything else is 400."""
    out = []
    for name, default, top in (("limit", DEFAULT_LIMIT, MAX_LIMIT), ("offset", 0, None)):
        raw = request.query_params.get(name)
        if raw is None:
            out.append(default)
            continue
        if not re.fullmatch(r"[0-9]{1,4000}", raw.strip()) or (top is not None and int(raw) > top):
            raise Refusal(error(400, "bad request", [problem(name, f"{name} must be an integer in range", "invalid")]))
        out.append(int(raw))
    return out[0], out[1]


def envelope(
    state: SandboxState, request: Request, items: list[dict[str, Any]], limit: int, offset: int
) -> dict[str, Any]:
    """{count, has_more, items, limit, offset, pagination{next?}, total} (vendor-facts.md)."""
    broken = state.has("pagination-broken")
    start = 0 if broken else offset
    page = items[start : start + limit]
    has_more = not broken and start + len(page) < len(items)
    pagination: dict[str, str] = {}
    if has_more and limit > 0:
        pagination["next"] = str(request.url.include_query_params(limit=limit, offset=offset + limit))
    return {
        "count": len(page),
        "has_more": has_more,
        "items": page,
        "limit": limit,
        "offset": offset,
        "pagination": pagination,
        "total": len(items),
    }


@dataclass(frozen=True)
class Condition:
    path: tuple[str, ...]
    op: str
    value: str


_TOKEN = re.compile(r"""\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+))""")
_PATH = re.compile(r"[a-z_][a-z0-9_]*(\.[A-Za-z0-9_]+)*")
_FORBIDDEN_VALUE = re.compile(r"""[()"']""")
_ATTRIBUTES = CREATE_KEYS | {"endpoint_sid", "cps_limit", "voip_token"}


def _bad_query(field: str, message: str) -> Refusal:
    return Refusal(error(400, "bad request", [problem(field, message, "invalid")]))


def _tokens(text: str) -> list[tuple[str, bool]]:
    """(token, was quoted): values with spaces are quoted (vendor-facts.md)."""
    out: list[tuple[str, bool]] = []
    pos, text = 0, text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            break
        double, single, bare = match.groups()
        quoted = bare is None
        out.append((bare if bare is not None else (double or single or "").replace('\\"', '"'), quoted))
        pos = match.end()
    return out


def parse_filter(text: str) -> list[Condition]:
    """``attr op value`` joined only by ``and``: no ``or``, ``not`` or parentheses (vendor-facts.md)."""
    tokens = _tokens(text)
    conditions: list[Condition] = []
    i = 0
    while i < len(tokens):
        if conditions:
            joiner, quoted = tokens[i]
            if quoted or joiner.lower() != "and":
                raise _bad_query("filter", f"conditions are joined only by 'and', not {joiner!r}")
            i += 1
        if i + 3 > len(tokens):
            raise _bad_query("filter", "a condition is 'attr op value'")
        (attr, attr_q), (op, op_q), (value, value_q) = tokens[i : i + 3]
        if attr_q or not _PATH.fullmatch(attr) or attr.split(".")[0] not in _ATTRIBUTES:
            raise _bad_query("filter", f"unknown attribute {attr!r}")
        if op_q or op.lower() not in FILTER_OPS:
            raise _bad_query("filter", f"unknown operator {op!r}")
        if not value_q and (_FORBIDDEN_VALUE.search(value) or value.lower() in ("and", "or", "not")):
            raise _bad_query("filter", f"bad value {value!r}; quote values with spaces")
        if op.lower() == "bit" and not re.fullmatch(r"-?[0-9]+", value):
            raise _bad_query("filter", "bit needs an integer")
        conditions.append(Condition(tuple(attr.split(".")), op.lower(), value))
        i += 3
    return conditions


_MISSING = object()


def _lookup(item: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(item, dict) or part not in item:
            return _MISSING
        item = item[part]
    return item


def _coerce(text: str, like: Any) -> Any:
    """The filter value as the attribute's type, or _MISSING when it cannot be one."""
    if isinstance(like, bool):
        return {"true": True, "false": False}.get(text.lower(), _MISSING)
    if isinstance(like, int | float):
        try:
            return type(like)(text)
        except ValueError:
            return _MISSING
    if like is None:
        return None if text.lower() == "null" else _MISSING
    return text if isinstance(like, str) else _MISSING


def _holds(item: dict[str, Any], cond: Condition) -> bool:
    actual = _lookup(item, cond.path)
    if actual is _MISSING:
        return False
    if cond.op == "like":
        pattern = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in cond.value)
        return isinstance(actual, str) and re.fullmatch(pattern, actual, re.IGNORECASE | re.DOTALL) is not None
    if cond.op == "bit":
        return isinstance(actual, int) and not isinstance(actual, bool) and actual & int(cond.value) != 0
    wanted = _coerce(cond.value, actual)
    if wanted is _MISSING:
        return False
    if cond.op == "eq":
        return bool(actual == wanted)
    if actual is None or isinstance(actual, dict | list):
        return False
    try:
        return bool({"gt": actual > wanted, "ge": actual >= wanted, "lt": actual < wanted}[cond.op])
    except TypeError:
        return False


def parse_order(text: str) -> tuple[tuple[str, ...], bool]:
    """``attr asc|desc`` (vendor-facts.md); the direction defaults to ascending."""
    parts = text.split()
    if not 1 <= len(parts) <= 2 or not _PATH.fullmatch(parts[0]) or parts[0].split(".")[0] not in _ATTRIBUTES:
        raise _bad_query("order", "order is 'attr asc|desc'")
    if len(parts) == 2 and parts[1].lower() not in ("asc", "desc"):
        raise _bad_query("order", "the direction is asc or desc")
    return tuple(parts[0].split(".")), len(parts) == 2 and parts[1].lower() == "desc"


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool | int | float):
        return 0, value
    if isinstance(value, str):
        return 1, value
    if value is None or value is _MISSING:
        return 3, ""
    return 2, json.dumps(value, sort_keys=True)


def select(items: list[dict[str, Any]], request: Request) -> list[dict[str, Any]]:
    """Apply ``filter`` then ``order`` from the query string."""
    raw_filter = request.query_params.get("filter")
    if raw_filter is not None and not raw_filter.strip():
        raise _bad_query("filter", "an empty filter is not a condition")
    conditions = parse_filter(raw_filter or "")
    chosen = [item for item in items if all(_holds(item, c) for c in conditions)]
    order = request.query_params.get("order")
    if order is not None:
        path, descending = parse_order(order)
        chosen.sort(key=lambda item: _sort_key(_lookup(item, path)), reverse=descending)
    return chosen


# -- the router ----------------------------------------------------------------------------------------------
def _find(state: SandboxState, env: Environment, endpoint_sid: str) -> dict[str, Any]:
    endpoint = stores_of(state)[env].endpoints.get(endpoint_sid)
    if endpoint is None:
        raise Refusal(error(404, "not found", [problem("endpoint_sid", "cannot find item by SID", "not_found")]))
    return endpoint


def mount(app: FastAPI, state: SandboxState, env: Environment) -> None:
    """Mount Core under ``/{env}/carrierx-core``."""
    router = APIRouter()
    store = stores_of(state)[env]

    @router.post("/oauth/token")
    async def create_token_route(request: Request) -> Response:
        return await create_token(state, env, request)

    @router.delete("/oauth/tokens/{token_sid}")
    def revoke_token(token_sid: str, request: Request) -> Response:
        caller = authorize(state, env, request, OAUTH_MANAGE)
        with state.lock:
            found = [t for t in store.tokens.values() if t.token_sid == token_sid]
            if not found or found[0].partner_sid != caller.partner_sid:
                return error(404, "not found", [problem("token_sid", "cannot find item by SID", "not_found")])
            found[0].revoked = True
        return Response(status_code=204)

    @router.get("/endpoints")
    def list_endpoints(request: Request) -> Response:
        authorize(state, env, request, READ)
        limit, offset = page_params(request)
        with state.lock:
            items = [endpoint_view(env, e, request) for e in store.endpoints.values()]
        return JSONResponse(envelope(state, request, select(items, request), limit, offset))

    @router.post("/endpoints")
    async def create_endpoint(request: Request) -> Response:
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

    @router.get("/endpoints/{endpoint_sid}")
    def get_endpoint(endpoint_sid: str, request: Request) -> Response:
        authorize(state, env, request, READ)
        with state.lock:
            return JSONResponse(endpoint_view(env, _find(state, env, endpoint_sid), request))

    @router.patch("/endpoints/{endpoint_sid}")
    async def update_endpoint(endpoint_sid: str, request: Request) -> Response:
        caller = authorize(state, env, request, MANAGE)
        _find(state, env, endpoint_sid)
        body = await json_object(request)
        validate(state, body, UPDATE_KEYS, caller.partner_sid)
        with state.lock:
            endpoint = _find(state, env, endpoint_sid)
            apply(endpoint, body)
            return JSONResponse(endpoint_view(env, endpoint, request))

    @router.delete("/endpoints/{endpoint_sid}")
    def delete_endpoint(endpoint_sid: str, request: Request) -> Response:
        authorize(state, env, request, MANAGE)
        with state.lock:
            _find(state, env, endpoint_sid)
            del store.endpoints[endpoint_sid]
        return Response(status_code=204)

    app.include_router(router, prefix=f"/{env}/{API}")
