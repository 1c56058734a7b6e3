"""The target client: production write guard, request budget, redirect policy, unavailable targets."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from apiconform.errors import BudgetExceeded, TargetUnavailable
from apiconform.targets.budget import RequestBudget
from apiconform.targets.client import TargetClient, WriteBlocked
from tests.servers import serve_in_thread

SEEN: list[dict[str, str]] = []


async def echo(request: Request) -> Response:
    SEEN.append(dict(request.headers))
    return JSONResponse({"method": request.method})


async def redirect_same(request: Request) -> Response:
    return RedirectResponse("/echo", status_code=307)


async def redirect_other(request: Request) -> Response:
    other = str(request.url).replace("127.0.0.1", "localhost").replace("/away", "/echo")
    return RedirectResponse(other, status_code=307)


async def session_cookie(request: Request) -> Response:
    response = JSONResponse({})
    response.set_cookie("session", "s-granted-by-an-earlier-answer")
    return response


async def limited(request: Request) -> Response:
    return JSONResponse({}, status_code=429, headers={"Retry-After": "1"})


APP = Starlette(
    routes=[
        Route("/echo", echo, methods=["GET", "POST", "DELETE"]),
        Route("/same", redirect_same, methods=["GET", "POST"]),
        Route("/away", redirect_other, methods=["GET", "POST"]),
        Route("/limited", limited),
        Route("/login", session_cookie),
    ]
)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_in_thread(uvicorn.Config(APP, host="127.0.0.1", port=0, log_level="warning")) as url:
        yield url


def client(allow_writes: bool = False, rps: float = 1000, max_requests: int = 100) -> TargetClient:
    return TargetClient(RequestBudget(rps, max_requests), allow_writes=allow_writes)


def test_production_write_not_sent_without_permission(base_url: str) -> None:
    c = client()
    before = len(SEEN)
    with pytest.raises(WriteBlocked, match="--allow-writes"):
        c.request("POST", f"{base_url}/echo", production=True)
    assert len(SEEN) == before and c.writes_sent == 0 and c.budget.sent == 0


def test_token_request_and_read_only_operation_pass_the_guard(base_url: str) -> None:
    c = client()
    assert c.request("POST", f"{base_url}/echo", production=True, token_request=True).status_code == 200
    assert c.request("POST", f"{base_url}/echo", production=True, read_only=True).status_code == 200
    assert c.request("GET", f"{base_url}/echo", production=True).status_code == 200


def test_writes_allowed_when_asked_or_not_production(base_url: str) -> None:
    assert client(allow_writes=True).request("DELETE", f"{base_url}/echo", production=True).status_code == 200
    assert client().request("DELETE", f"{base_url}/echo", production=False).status_code == 200


def test_budget_ceiling_is_never_exceeded(base_url: str) -> None:
    c = client(max_requests=3)
    for _ in range(3):
        c.request("GET", f"{base_url}/echo")
    with pytest.raises(BudgetExceeded, match="budget of 3"):
        c.request("GET", f"{base_url}/echo")
    assert c.budget.sent == 3


def test_budget_rate_is_honoured(base_url: str) -> None:
    c = client(rps=20)
    start = time.monotonic()
    for _ in range(6):
        c.request("GET", f"{base_url}/echo")
    assert time.monotonic() - start >= 5 / 20 * 0.9


def test_retry_after_pauses_the_same_caller(base_url: str) -> None:
    c = client()
    c.request("GET", f"{base_url}/limited", headers={"client_id": "a"})
    start = time.monotonic()
    c.request("GET", f"{base_url}/echo", headers={"client_id": "a"})
    assert time.monotonic() - start >= 0.9


def test_same_origin_redirect_keeps_credentials(base_url: str) -> None:
    response = client().request("GET", f"{base_url}/same", headers={"Authorization": "Bearer keep-me-123456"})
    assert response.status_code == 200
    assert SEEN[-1].get("authorization") == "Bearer keep-me-123456"


def test_cross_origin_redirect_is_not_followed(base_url: str) -> None:
    """Credentials (any the contract declares) and bodies never travel to another origin: the redirect is
    returned as it is, and the other origin sees no request at all."""
    seen_before = len(SEEN)
    response = client().request(
        "GET",
        f"{base_url}/away",
        headers={"Authorization": "Bearer drop-me-123456", "client_secret": "s-123456"},
    )
    assert response.is_redirect and str(response.request.url).startswith(base_url)
    assert len(SEEN) == seen_before  # the other origin received nothing


def test_token_requests_and_writes_never_follow_redirects(base_url: str) -> None:
    c = client()
    for kwargs in ({"token_request": True}, {}):
        response = c.request("POST", f"{base_url}/away", data={"password": "p-123456"}, **kwargs)  # type: ignore[arg-type]
        assert response.is_redirect


def test_unreachable_target_is_unavailable_not_a_failure() -> None:
    with pytest.raises(TargetUnavailable, match="target unavailable"):
        client().request("GET", "http://127.0.0.1:9/nothing")


def test_exchanges_are_recorded_per_test(base_url: str) -> None:
    c = client()
    exchanges = c.record_anew()
    c.request("GET", f"{base_url}/echo")
    assert [e.status for e in exchanges] == [200]
    assert isinstance(httpx.URL(exchanges[0].url), httpx.URL)


def test_cookies_a_target_sets_are_never_sent_back(base_url: str) -> None:
    """A later "no credentials" request must carry none, whatever an earlier answer set."""
    c = client()
    assert "set-cookie" in c.request("GET", f"{base_url}/login").headers
    c.request("GET", f"{base_url}/echo")
    assert "cookie" not in SEEN[-1]
    c.request("GET", f"{base_url}/echo", headers={"Cookie": "api_key=k-chosen-by-the-check"})
    assert SEEN[-1]["cookie"] == "api_key=k-chosen-by-the-check"
    with pytest.raises(TypeError, match="keeps no cookies"):  # nor can code put one in the jar every client shares
        c._http.cookies.set("session", "s-set-by-code")
