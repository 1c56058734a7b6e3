"""Northwind Freight Parcel Tracking API: an in-memory stand-in for the partner API of the apiconform example.

It implements ``docs/northwind-api.md`` (the "vendor's document" the contract quotes) and nothing more, so every
apiconform suite runs against it from configuration alone (``apiconform.toml``). Each environment has its own
clients, tokens, rate-limit windows and shipments: the guide promises nothing crosses. ``DEFECTS`` breaks one rule
at a time. Loopback only; credentials are random per start; state is touched on the event loop only (no lock).
"""

import argparse
import json
import math
import re
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

import uvicorn
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router

HERE = Path(__file__).resolve().parent
CONTRACT = HERE / "contracts" / "northwind"
HOST, ENVIRONMENTS = "127.0.0.1", ("sandbox", "production")
READ, WRITE = SCOPES = ("shipments.read", "shipments.write")
WINDOW_S = 60
PLAN_LIMITS = {"standard": 10_000, "small": 5}  # calls per operation per window (guide, "Rate limits")
ORG_A, ORG_B = "northwind-customer-a", "northwind-customer-b"
ROLES = {"customer-a": (ORG_A, "standard"), "customer-b": (ORG_B, "standard"), "small-plan": (ORG_A, "small")}
# Created IDs never meet the seeded (seed.json) or the other environment's: no record resolves across environments.
CREATED_IDS = {"sandbox": range(2001, 6000), "production": range(7001, 10_000)}
REALM = 'Bearer realm="northwind"'
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
DEFECTS = {
    "wrong-secret-accepted": "auth: the token endpoint issues a token for a known client_id with any client_secret",
    "foreign-shipment-visible": "isolation: GET /shipments/{shipmentId} serves another organisation's shipment",
    "weight-type-drift": 'field types: weight_kg is answered as a string ("2.5") instead of a number',
    "rate-limit-ignored": "rate limits: calls past the plan's limit are served (the headers still count down to 0)",
}
Clock = Callable[[], float]


class Client(NamedTuple):
    """One OAuth client (application) of an organisation, on a plan, in one environment."""

    client_id: str
    client_secret: str
    organisation: str
    plan: str


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> Response:
    """RFC 9457 problem details: the guide's error body for every shipment operation."""
    kind = "https://developer.northwind-freight.example/problems/" + title.lower().replace(" ", "-")
    body = {"type": kind, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status, headers, media_type="application/problem+json")


def oauth_error(status: int, error: str, description: str) -> Response:
    """RFC 6749 5.2: token endpoint errors are plain JSON objects with error and error_description."""
    return JSONResponse({"error": error, "error_description": description}, status, {"Cache-Control": "no-store"})


def _create_validator() -> Draft202012Validator:
    """The contract's own request schema judges POST /shipments: a body it admits is always accepted."""
    schemas = [json.loads(p.read_text(encoding="utf-8")) for p in CONTRACT.glob("*.json") if ".openapi." not in p.name]
    registry: Registry[Any] = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas)
    create = registry.contents("https://schemas.apiconform.dev/northwind/shipment-create.json")
    return Draft202012Validator(create, registry=registry)


Handler = Callable[[Request, Client], Awaitable[Response]]


class Environment:
    """One environment's world (clients, tokens, windows, shipments) and its routes; it never consults another."""

    def __init__(self, env: str, defects: frozenset[str], lifetime: int, clock: Clock) -> None:
        self.defects, self.lifetime, self.clock, self.validator = defects, lifetime, clock, _create_validator()
        prefix = "nw_sbx_" if env == "sandbox" else "nw_prd_"
        self.roles = {r: Client(prefix + secrets.token_hex(8), secrets.token_urlsafe(24), *p) for r, p in ROLES.items()}
        self.clients = {client.client_id: client for client in self.roles.values()}
        self.tokens: dict[str, tuple[Client, frozenset[str], float]] = {}  # access token -> client, scopes, expiry
        self.windows: dict[tuple[str, str], tuple[float, int]] = {}  # (client id, operation) -> start, calls
        self.shipments: dict[str, tuple[str, dict[str, Any], list[Any]]] = {}  # id -> organisation, shipment, events
        self.free_ids = CREATED_IDS[env]
        for org, seeded in json.loads((HERE / "seed.json").read_text(encoding="utf-8"))[env].items():
            self.shipments |= {s["shipment"]["id"]: (org, s["shipment"], s["events"]) for s in seeded}
        self.routes: list[BaseRoute] = [
            Route("/oauth/token", self.issue_token, methods=["POST"]),
            Route("/shipments", self.guard("listShipments", READ, self.list_shipments), methods=["GET"]),
            Route("/shipments", self.guard("createShipment", WRITE, self.create_shipment), methods=["POST"]),
            Route("/shipments/{sid}", self.guard("getShipment", READ, self.get_shipment), methods=["GET"]),
            Route("/shipments/{sid}/events", self.guard("listShipmentEvents", READ, self.events), methods=["GET"]),
        ]

    async def issue_token(self, request: Request) -> Response:
        """Client credentials grant, client_secret_post: the client authenticates in the form body only."""
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
            return oauth_error(400, "invalid_request", "Send the parameters as application/x-www-form-urlencoded.")
        pairs = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        params = dict(pairs)
        if len(params) != len(pairs) or not params.get("grant_type"):  # RFC 6749 3.2: no repeated parameters
            return oauth_error(400, "invalid_request", "grant_type is missing or a parameter is repeated.")
        if params["grant_type"] != "client_credentials":
            return oauth_error(400, "unsupported_grant_type", "Only client_credentials is supported.")
        client = self.clients.get(params.get("client_id", ""))  # the Authorization header is never read
        given, defect = params.get("client_secret", "").encode(), "wrong-secret-accepted" in self.defects
        if client is None or not (secrets.compare_digest(given, client.client_secret.encode()) or defect):
            return oauth_error(401, "invalid_client", "Client authentication failed.")
        wanted = params["scope"].split(" ") if "scope" in params else list(SCOPES)
        if not set(wanted) <= set(SCOPES):
            return oauth_error(400, "invalid_scope", "Unknown scope.")
        token = "nwat_" + secrets.token_urlsafe(32)
        self.tokens[token] = (client, frozenset(wanted), self.clock() + self.lifetime)
        granted = " ".join(s for s in SCOPES if s in wanted)
        body = {"access_token": token, "token_type": "Bearer", "expires_in": self.lifetime, "scope": granted}
        return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def guard(self, operation: str, scope: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        """RFC 6750 refusals first (not counted), then the plan's window, then the operation itself."""

        async def endpoint(request: Request) -> Response:
            kind, _, value = request.headers.get("authorization", "").partition(" ")
            if kind.lower() != "bearer" or not value.strip():
                return problem(401, "Unauthorized", "No access token was sent.", {"WWW-Authenticate": REALM})
            client, scopes, expires = self.tokens.get(value.strip(), (None, frozenset(), 0.0))
            if client is None or self.clock() >= expires:
                challenge = {"WWW-Authenticate": REALM + ', error="invalid_token"'}
                return problem(401, "Invalid token", "Invalid or expired token.", challenge, error="invalid_token")
            if scope not in scopes:
                challenge = {"WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="{scope}"'}
                return problem(403, "Insufficient scope", f"Needs {scope}.", challenge, error="insufficient_scope")
            served, headers = self.count(client, operation)
            if not served:
                return problem(429, "Too many requests", "This window's calls for the operation are spent.", headers)
            response = await handler(request, client)
            response.headers.update(headers)
            return response

        return endpoint

    def count(self, client: Client, operation: str) -> tuple[bool, dict[str, str]]:
        """A fixed 60 s window per client and operation, opened by its first call; refused calls do not count."""
        now, key, limit = self.clock(), (client.client_id, operation), PLAN_LIMITS[client.plan]
        start, calls = self.windows.get(key, (now, 0))
        if now >= start + WINDOW_S:
            start, calls = now, 0
        reset = min(max(math.ceil(start + WINDOW_S - now), 0), WINDOW_S)
        served = calls < limit or "rate-limit-ignored" in self.defects
        self.windows[key] = (start, calls + served)
        headers = dict(zip(RATE_HEADERS, map(str, (limit, max(limit - calls - served, 0), reset)), strict=True))
        return served, headers if served else {**headers, "Retry-After": str(max(reset, 1))}

    def view(self, shipment: dict[str, Any]) -> dict[str, Any]:
        drift = {"weight_kg": str(shipment["weight_kg"])} if "weight-type-drift" in self.defects else {}
        return {**shipment, **drift}

    def find(self, request: Request, client: Client, foreign_ok: bool = False) -> tuple[dict[str, Any], Any] | Response:
        """400 for a malformed ID; 404 alike for unknown and foreign shipments (existence is not disclosed)."""
        sid = request.path_params["sid"]
        if not re.fullmatch(r"SHP-[0-9]{4}", sid):
            return problem(400, "Bad request", "A shipment ID is SHP- followed by four digits.")
        owner, shipment, events = self.shipments.get(sid, ("", {}, []))
        if not shipment or (owner != client.organisation and not foreign_ok):
            return problem(404, "Not found", f"No shipment {sid}.")
        return shipment, events

    async def list_shipments(self, request: Request, client: Client) -> Response:
        limit, offset = _int_param(request, "limit", 20, 50), _int_param(request, "offset", 0, None)
        if limit is None or offset is None or limit < 1:
            return problem(400, "Bad request", "limit is an integer from 1 to 50, offset one from 0.")
        mine = [shipment for owner, shipment, _ in self.shipments.values() if owner == client.organisation]
        page = [self.view(s) for s in mine[offset : offset + limit]]
        return JSONResponse({"items": page, "total": len(mine), "limit": limit, "offset": offset})

    async def create_shipment(self, request: Request, client: Client) -> Response:
        try:  # NaN, Infinity and lone surrogates parse, but could never be answered as JSON
            body = json.loads(await request.body())
            json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except (ValueError, UnicodeError):
            body = None
        if not isinstance(body, dict):
            return problem(400, "Bad request", "The body is not a JSON object.")
        if errors := sorted(self.validator.iter_errors(body), key=lambda e: [str(p) for p in e.absolute_path]):
            invalid = [{"name": "/".join(map(str, e.path)) or "(body)", "reason": e.message[:200]} for e in errors]
            return problem(422, "Validation failed", f"{len(errors)} rule(s) broken.", invalid_params=invalid)
        if not self.free_ids:
            return problem(503, "Service unavailable", "This example server ran out of shipment IDs; restart it.")
        sid, self.free_ids = f"SHP-{self.free_ids[0]:04d}", self.free_ids[1:]
        now = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        shipment = {"id": sid, **body, "status": "label_created", "created_at": now, "estimated_delivery": None}
        where = f"{body['origin']['city']}, {body['origin']['country']}"
        event = {"code": "label_created", "description": "Label created", "location": where, "occurred_at": now}
        self.shipments[sid] = (client.organisation, shipment, [event])
        location = str(request.url.replace(query="")).rstrip("/") + "/" + sid
        return JSONResponse(self.view(shipment), 201, {"Location": location})

    async def get_shipment(self, request: Request, client: Client) -> Response:
        found = self.find(request, client, foreign_ok="foreign-shipment-visible" in self.defects)
        return found if isinstance(found, Response) else JSONResponse(self.view(found[0]))

    async def events(self, request: Request, client: Client) -> Response:
        found = self.find(request, client)
        return found if isinstance(found, Response) else JSONResponse(dict(shipment_id=found[0]["id"], events=found[1]))


def _int_param(request: Request, name: str, default: int, high: int | None) -> int | None:
    """A decimal integer from 0 to ``high``; None (answered 400) for anything else, a repeated value included."""
    values = request.query_params.getlist(name) or [str(default)]
    valid = len(values) == 1 and re.fullmatch(r"[0-9]{1,9}", values[0]) and (high is None or int(values[0]) <= high)
    return int(values[0]) if valid else None


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unrouted paths and methods answer problem details too, never Starlette's plain text."""
    assert isinstance(exc, HTTPException)  # registered for 404 and 405 only
    title = "Not found" if exc.status_code == 404 else "Method not allowed"
    return problem(exc.status_code, title, f"{request.method} {request.url.path}", dict(exc.headers or {}))


def create_app(defects: Iterable[str] = (), *, token_lifetime: int = 3600, clock: Clock = time.time) -> Starlette:
    """Both environments under ``/<env>/v1``; ``app.state.credentials[env][role]`` holds the provisioned clients."""
    active = frozenset(defects)
    if unknown := sorted(active - DEFECTS.keys()):
        raise ValueError(f"unknown defect(s) {', '.join(unknown)}; known: {', '.join(sorted(DEFECTS))}")
    worlds = {env: Environment(env, active, token_lifetime, clock) for env in ENVIRONMENTS}
    mounts = [Mount(f"/{e}/v1", app=Router(w.routes, redirect_slashes=False)) for e, w in worlds.items()]
    app = Starlette(routes=mounts, exception_handlers={404: _http_error, 405: _http_error})
    app.state.credentials = {env: dict(world.roles) for env, world in worlds.items()}
    return app


def variables(credentials: dict[str, dict[str, Client]]) -> dict[str, str]:
    """The environment variables apiconform.toml names, e.g. NORTHWIND_SANDBOX_CUSTOMER_B_CLIENT_SECRET."""
    out: dict[str, str] = {}
    for env, roles in credentials.items():
        for role, client in roles.items():  # customer-a is the main role: no role in its names
            stem = f"NORTHWIND_{env}_{'' if role == 'customer-a' else role + '_'}".upper().replace("-", "_")
            out |= {stem + "CLIENT_ID": client.client_id, stem + "CLIENT_SECRET": client.client_secret}
    return out


class Running(NamedTuple):
    """What ``start`` yields: where each environment is served and the clients it provisioned."""

    port: int
    base_url: dict[str, str]  # environment -> base URL
    credentials: dict[str, dict[str, Client]]  # environment -> role -> client


@contextmanager
def start(defects: Iterable[str] = (), port: int = 0, **options: Any) -> Iterator[Running]:
    """Serve on 127.0.0.1 in a daemon thread (port 0: any free port) until the ``with`` block ends."""
    app = create_app(defects, **options)
    server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="northwind-example", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not server.started:
            raise RuntimeError(f"the Northwind example server did not start on {HOST}:{port}")
        bound = server.servers[0].sockets[0].getsockname()[1]
        yield Running(bound, {e: f"http://{HOST}:{bound}/{e}/v1" for e in ENVIRONMENTS}, app.state.credentials)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main(argv: list[str] | None = None) -> None:
    """Serve in the foreground; print the credentials as the ``export`` lines apiconform.toml expects."""
    parser = argparse.ArgumentParser(description="Northwind Parcel Tracking API (apiconform example) on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8399)
    parser.add_argument("--defect", action="append", default=[], choices=sorted(DEFECTS), help="plant a defect")
    parser.add_argument("--token-lifetime", type=int, default=3600, help="expires_in of issued tokens, in seconds")
    args = parser.parse_args(argv)
    app = create_app(args.defect, token_lifetime=args.token_lifetime)
    exports = [f"export {name}={value}" for name, value in variables(app.state.credentials).items()]
    print(f"# http://{HOST}:{args.port}/{{sandbox,production}}/v1, defects: {', '.join(args.defect) or 'none'}")
    print(*exports, sep="\n", flush=True)
    uvicorn.run(app, host=HOST, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
