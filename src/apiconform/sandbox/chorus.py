"""Chorus Line Test API (seed 000, vendor-facts.md "Chorus"): tests and products of one organisation.

Paths ``/tests``, ``/tests/{testId}``, ``/products/{productId}``. Behind the MuleSoft-style gateway
(``gateway.py``): client-id enforcement, contracts and plan limits come first; then the API answers only
with the caller's own organisation's data, because seed 000 (000_2f66a903044d6bbc.txt) says "the
responses we provide will be assigned to the registered organisation name".
Every response echoes ``X-Transaction-ID`` and carries ``X-Chorus-API-Version`` and, once the call is counted,
``X-RateLimit-*`` (vendor-facts.md). Shapes follow ``schemas/chorus/`` exactly; error bodies are
``{"code", "message"}`` with the documented codes.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import string
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from apiconform.sandbox import fixtures_chorus, gateway
from apiconform.sandbox.fixtures_chorus import TEST_ID_MARKER, LineTest, Product
from apiconform.sandbox.provisioning import Mounted
from apiconform.sandbox.refusal import Refusal
from apiconform.sandbox.routes import Routes
from apiconform.sandbox.state import Application, Environment, SandboxState, iso

API = "chorus-line-test"
API_VERSION = "1.0"
MAX_COUNT = 20  # vendor-facts.md: "count at most 20 (default 20)"; more is PT-007
TEST_TYPES = (
    "ontStatus",
    "rgwBandwidth",
    "statusOverTime",
    "lineStateDiagnosis",
    "nbltSingleLineTest",
    "nbltElectricalLoopTest",
)
RUN_SECONDS = 5.0  # sandbox-clock seconds a new test stays inProgress (tests run asynchronously)
# fullmatch, not "$": "$" would also accept a trailing newline.
TEST_ID_RE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z]{2}[0-9]{2}")  # schemas/chorus/test-id.json
PRODUCT_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")  # schemas/chorus/product.json#/$defs/productId
INTEGER_RE = re.compile(r"[+-]?[0-9]+")  # offsets have no documented maximum
REQUEST_KEYS = frozenset({"productId", "test"})  # test-request.json: additionalProperties false
TEST_KEYS = frozenset({"testType"})
_NOT_JSON = object()  # a body that is not JSON at all: fails validation like any other bad body


class _Store:
    """One environment's products and tests; every access holds ``state.lock`` (handlers run concurrently)."""

    def __init__(self, state: SandboxState, env: Environment) -> None:
        self.state = state
        self.marker = TEST_ID_MARKER[env]
        self.products: dict[str, Product] = fixtures_chorus.products(env)
        self.tests: dict[str, LineTest] = fixtures_chorus.tests(env)

    def _visible(self, org: str, owner: str) -> bool:
        """Own records only (seed 000); ``org-data-leak`` drops that wall."""
        return owner == org or self.state.has("org-data-leak")

    def product(self, org: str, product_id: str) -> Product | None:
        with self.state.lock:
            found = self.products.get(product_id)
            return found if found is not None and self._visible(org, found.organisation) else None

    def test(self, org: str, test_id: str) -> LineTest | None:
        with self.state.lock:
            found = self.tests.get(test_id)
            return found if found is not None and self._visible(org, found.organisation) else None

    def listing(self, org: str, product_id: str | None) -> list[LineTest]:
        with self.state.lock:
            return [
                t
                for t in self.tests.values()
                if self._visible(org, t.organisation) and product_id in (None, t.product_id)
            ]

    def create(self, org: str, product: Product, test_type: str) -> LineTest:
        """Store a new test under a fresh AANNAANN ID carrying this environment's marker (never shared)."""
        with self.state.lock:
            test_id = self._new_test_id()
            now = self.state.now()
            test = LineTest(
                test_id,
                product.product_id,
                org,
                test_type,
                now,
                now + RUN_SECONDS,
                result={"verdict": "pass"},
            )
            self.tests[test_id] = test
            return test

    def _new_test_id(self) -> str:
        while True:
            letters = "".join(secrets.choice(string.ascii_uppercase) for _ in range(2))
            candidate = f"{letters}{secrets.randbelow(100):02d}{self.marker}{secrets.randbelow(100):02d}"
            if candidate not in self.tests:
                return candidate


@dataclass(frozen=True)
class _Call:
    """An admitted call: who made it and the headers every response to it carries."""

    app: Application
    headers: dict[str, str]


# -- responses ---------------------------------------------------------------------------------------------


_IDS = random.Random()  # its own generator: hypothesis reseeds the global one for every example it runs


def _transaction_id() -> str:
    """A UUID4 for the answer's X-Transaction-ID: an identifier, not a secret, so no system call per request."""
    return str(uuid.UUID(int=_IDS.getrandbits(128), version=4))


def _base_headers(state: SandboxState, request: Request) -> dict[str, str]:
    """API version plus the echoed (or, when none was sent, generated) transaction ID (vendor-facts.md)."""
    headers = {"X-Chorus-API-Version": API_VERSION}
    if not state.has("transaction-id-not-echoed"):
        sent = request.headers.get("x-transaction-id", "").strip()
        headers["X-Transaction-ID"] = sent or _transaction_id()
    return headers


def _with(response: Response, headers: dict[str, str]) -> Response:
    response.headers.update(headers)
    return response


def _error(status: int, code: str, message: str, headers: dict[str, str]) -> JSONResponse:
    """A Chorus error body (schemas/chorus/error.json): the documented code and a readable message."""
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)


def _refuse(status: int, code: str, message: str, headers: dict[str, str]) -> Refusal:
    return Refusal(_error(status, code, message, headers))


def _render_test(state: SandboxState, test: LineTest) -> dict[str, Any]:
    """A test result (schemas/chorus/test-result.json); ``required-field-missing`` drops its status."""
    finished = state.now() >= test.completes_at
    body: dict[str, Any] = {
        "testId": test.test_id,
        "productId": test.product_id,
        "testType": test.test_type,
        "status": test.outcome if finished else "inProgress",
        "createdAt": iso(test.created_at),
    }
    if finished:
        body["result"] = dict(test.result)
    if state.has("required-field-missing"):
        del body["status"]
    return body


def _render_product(product: Product) -> dict[str, Any]:
    return {
        "productId": product.product_id,
        "productType": product.product_type,
        "organisation": product.organisation,
    }


def _product_response(state: SandboxState, response: Response) -> Response:
    """``wrong-content-type`` keeps the JSON text but labels it text/plain, as a misconfigured proxy would."""
    if state.has("wrong-content-type"):
        response.headers["content-type"] = "text/plain; charset=utf-8"
    return response


# -- gateway and input checks ------------------------------------------------------------------------------


def _admit(state: SandboxState, env: Environment, request: Request, operation: str) -> _Call:
    """Client-id enforcement, contract, plan limit (gateway.py), in a MuleSoft gateway's order."""
    base = _base_headers(state, request)
    headers = request.headers
    auth = gateway.authenticate_client(
        state, env, API, headers.get("x-chorus-client-id"), headers.get("x-chorus-client-secret")
    )
    if auth.app is None or auth.failure in (gateway.AuthFailure.MISSING, gateway.AuthFailure.INVALID):
        raise Refusal(_with(gateway.unauthorized(state), base))
    if auth.failure is gateway.AuthFailure.NO_CONTRACT:
        raise _refuse(403, "Auth-001", "Client id has no cross-reference for this API.", base)
    if auth.failure is not None:
        raise _refuse(403, "Auth-002", "The application's contract for this API is not activated.", base)
    decision = state.count_call(auth.app, API, operation)
    if decision is not None and not decision.allowed:
        raise Refusal(_with(gateway.too_many_requests(decision), base))
    return _Call(auth.app, base | gateway.rate_limit_headers(decision))


def _request_problem(body: Any) -> str | None:
    """The first rule of schemas/chorus/test-request.json the body breaks, or None."""
    if body is _NOT_JSON:
        return "The request body is not valid JSON."
    if not isinstance(body, dict):
        return "The request body must be a JSON object."
    if extra := sorted(set(body) - REQUEST_KEYS):
        return f"Unknown field(s): {', '.join(extra)}."
    product_id = body.get("productId")
    if not isinstance(product_id, str) or not PRODUCT_ID_RE.fullmatch(product_id):
        return "productId is required and must be a product ID."
    test = body.get("test")
    if not isinstance(test, dict):
        return "test is required and must be an object."
    if extra := sorted(set(test) - TEST_KEYS):
        return f"Unknown field(s) in test: {', '.join(extra)}."
    test_type = test.get("testType")
    if not isinstance(test_type, str) or test_type not in TEST_TYPES:
        return f"test.testType must be one of {', '.join(TEST_TYPES)}."
    return None


async def _json_body(request: Request) -> Any:
    """The parsed body, or a sentinel that fails validation (not JSON, not UTF-8, nested too deep)."""
    try:
        return json.loads(await request.body())
    except (ValueError, RecursionError):
        return _NOT_JSON


def _integer(raw: str | None, default: int) -> int | None:
    if raw is None:
        return default
    return int(raw) if INTEGER_RE.fullmatch(raw) else None


@dataclass(frozen=True)
class _Page:
    product_id: str | None
    count: int
    offset: int


def _page(params: QueryParams, headers: dict[str, str]) -> _Page:
    """listTests query: count 1..20 (more is PT-007, other bad values PT-023), offset >= 0, productId."""
    count = _integer(params.get("count"), MAX_COUNT)
    if count is not None and count > MAX_COUNT:
        raise _refuse(400, "PT-007", f"count must not exceed {MAX_COUNT}.", headers)
    if count is None or count < 1:
        raise _refuse(400, "PT-023", f"count must be an integer from 1 to {MAX_COUNT}.", headers)
    offset = _integer(params.get("offset"), 0)
    if offset is None or offset < 0:
        raise _refuse(400, "PT-023", "offset must be a non-negative integer.", headers)
    product_id = params.get("productId")
    if product_id is not None and not PRODUCT_ID_RE.fullmatch(product_id):
        raise _refuse(400, "PT-023", "productId is not a product ID.", headers)
    return _Page(product_id, count, offset)


# -- the router --------------------------------------------------------------------------------------------


def _router(state: SandboxState, env: Environment, store: _Store) -> Routes:
    router = Routes()

    @router.post("/tests")
    async def create_test(request: Request) -> Response:
        call = _admit(state, env, request, "createTest")
        body = await _json_body(request)
        problem = _request_problem(body)
        if problem and state.has("server-error-on-bad-input"):
            return JSONResponse({"message": "Internal server error"}, status_code=500, headers=call.headers)
        if problem:
            return _error(400, "PT-023", problem, call.headers)
        product = store.product(call.app.organisation, body["productId"])
        if product is None:
            return _error(404, "PT-005", "Product not found.", call.headers)
        test = store.create(call.app.organisation, product, body["test"]["testType"])
        return JSONResponse(_render_test(state, test), status_code=201, headers=call.headers)

    @router.get("/tests")
    async def list_tests(request: Request) -> Response:
        call = _admit(state, env, request, "listTests")
        page = _page(request.query_params, call.headers)
        found = store.listing(call.app.organisation, page.product_id)[page.offset : page.offset + page.count]
        body = {"count": len(found), "offset": page.offset, "tests": [_render_test(state, t) for t in found]}
        return JSONResponse(body, headers=call.headers)

    @router.get("/tests/{test_id}")
    async def get_test(request: Request, test_id: str) -> Response:
        call = _admit(state, env, request, "getTest")
        if not TEST_ID_RE.fullmatch(test_id):
            return _error(400, "PT-006", "Invalid test id format.", call.headers)
        test = store.test(call.app.organisation, test_id)
        if test is None:
            return _error(404, "PT-004", "Test not found.", call.headers)
        return JSONResponse(_render_test(state, test), headers=call.headers)

    @router.get("/products/{product_id}")
    async def get_product(request: Request, product_id: str) -> Response:
        call = _admit(state, env, request, "getProduct")
        product = store.product(call.app.organisation, product_id)
        if product is None:
            return _product_response(state, _error(404, "PT-005", "Product not found.", call.headers))
        return _product_response(state, JSONResponse(_render_product(product), headers=call.headers))

    return router


def mount(app: Starlette, state: SandboxState, env: Environment) -> Mounted:
    """Serve the API under ``/{env}/chorus-line-test`` with that environment's own fixture data."""
    _router(state, env, _Store(state, env)).mount(app, f"/{env}/{API}")
    return Mounted([API], known_inputs={API: fixtures_chorus.known_inputs(env)})
