"""OAuth2 token flows as the contract and the target configure them, against small loopback servers.

A token host apart from the API host (the common layout), each grant and client-authentication method of
RFC 6749 section 2.3.1, renewal before expiry and once on a 401, and a refused credential that stops with
one line. Everything goes through ``apiconform.toml``, a user contract folder and real HTTP.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apiconform.config import load_config, resolve_target
from apiconform.contracts import set_contract_folders
from apiconform.targets.budget import RequestBudget
from apiconform.targets.client import TargetClient
from apiconform.targets.profiles import profile_named
from apiconform.targets.session import TargetSession
from apiconform.targets.tokens import CredentialRefused
from tests.servers import serve_in_thread

CLIENT_ID, CLIENT_SECRET = "app-7d1f", "s3cret-" + secrets.token_hex(8)
USERNAME, PASSWORD = "partner-1", "pw-" + secrets.token_hex(8)


@dataclass
class Issuer:
    """What the token host received and issued; the API host honours its tokens until they expire."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    tokens: dict[str, float] = field(default_factory=dict)
    expires_in: int = 3600
    refuse: bool = False

    def issue(self) -> str:
        token = secrets.token_urlsafe(24)
        self.tokens[token] = time.monotonic() + self.expires_in
        return token


ISSUER = Issuer()


def _client(request: Request, form: dict[str, str]) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization", "")
    if header.startswith("Basic "):
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        return client_id, secret
    return form.get("client_id"), form.get("client_secret")


async def token(request: Request) -> Response:
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
    ISSUER.requests.append({"form": form, "authorization": request.headers.get("authorization")})
    client_id, secret = _client(request, form)
    grant = form.get("grant_type")
    good = (grant == "client_credentials" and client_id == CLIENT_ID and secret in (CLIENT_SECRET, None)) or (
        grant == "password" and form.get("username") == USERNAME and form.get("password") == PASSWORD
    )
    if ISSUER.refuse or not good:
        return JSONResponse({"error": "invalid_client"}, 401, headers={"WWW-Authenticate": 'Basic realm="t"'})
    body = {"access_token": ISSUER.issue(), "token_type": "Bearer", "expires_in": ISSUER.expires_in}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


async def items(request: Request) -> Response:
    supplied = request.headers.get("authorization", "").removeprefix("Bearer ")
    if ISSUER.tokens.get(supplied, 0) <= time.monotonic():
        return JSONResponse(
            {"error": "invalid_token"}, 401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        )
    return JSONResponse({"items": []})


def _document(token_url: str, flows: tuple[str, ...]) -> dict[str, Any]:
    flow_objects = {name: {"tokenUrl": token_url, "scopes": {"items.read": "read"}} for name in flows}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Token test API", "version": "1", "x-source": "test document"},
        "servers": [{"url": "https://api.tokens.example/v1"}],
        "security": [{"oauth": ["items.read"]}],
        "components": {"securitySchemes": {"oauth": {"type": "oauth2", "flows": flow_objects}}},
        "paths": {
            "/items": {
                "get": {
                    "operationId": "listItems",
                    "x-source": "test document",
                    "responses": {"200": {"description": "items"}, "401": {"description": "no"}},
                }
            }
        },
    }


@pytest.fixture(scope="module")
def hosts() -> Iterator[tuple[str, str]]:
    """(token host, API host): two servers on loopback, as a vendor with a separate auth host has."""
    token_app = Starlette(routes=[Route("/oauth2/token", token, methods=["POST"])])
    api_app = Starlette(routes=[Route("/v1/items", items), Route("/v1/oauth/token", token, methods=["POST"])])
    token_config = uvicorn.Config(token_app, host="127.0.0.1", port=0, log_level="error")
    api_config = uvicorn.Config(api_app, host="127.0.0.1", port=0, log_level="error")
    with serve_in_thread(token_config) as token_host, serve_in_thread(api_config) as api_host:
        yield token_host, api_host


@pytest.fixture(autouse=True)
def fresh_issuer() -> Iterator[None]:
    ISSUER.requests.clear()
    ISSUER.tokens.clear()
    ISSUER.expires_in, ISSUER.refuse = 3600, False
    yield
    set_contract_folders([])


def session_for(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    api_host: str,
    *,
    token_url: str = "oauth/token",
    token_host_url: str | None = None,
    flows: tuple[str, ...] = ("clientCredentials",),
    token: str = "",
    fields: str = 'client_id = "TT_ID"\nclient_secret = "TT_SECRET"',
) -> TargetSession:
    folder = tmp_path / "contracts" / "tokenvendor"
    folder.mkdir(parents=True)
    (folder / "token-test.openapi.json").write_text(json.dumps(_document(token_url, flows)), encoding="utf-8")
    token_urls = f'token_urls = {{ token-test = "{token_host_url}" }}\n' if token_host_url else ""
    (tmp_path / "apiconform.toml").write_text(
        'contracts = ["contracts"]\n[targets.t]\n'
        f"[targets.t.apis.token-test.token]\n{token}\n"
        "[targets.t.environments.sandbox]\n"
        f'base_urls = {{ token-test = "{api_host}/v1" }}\n{token_urls}'
        f"[targets.t.environments.sandbox.credentials.app]\n{fields}\n",
        encoding="utf-8",
    )
    for name, value in {"TT_ID": CLIENT_ID, "TT_SECRET": CLIENT_SECRET, "TT_USER": USERNAME, "TT_PW": PASSWORD}.items():
        monkeypatch.setenv(name, value)
    config = load_config(tmp_path / "apiconform.toml")
    target = resolve_target("t", config)
    return TargetSession(target, TargetClient(RequestBudget(1000, 1000), allow_writes=False), profile_named("quick"))


def _list(session: TargetSession) -> int:
    op = session.operation("token-test", "listItems")
    return session.send("sandbox", op, session.present("sandbox", "token-test")).status_code


def test_client_secret_basic_at_a_separate_token_host(
    hosts: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_host, api_host = hosts
    session = session_for(tmp_path, monkeypatch, api_host, token_host_url=f"{token_host}/oauth2/token")
    assert _list(session) == 200
    [sent] = ISSUER.requests
    assert sent["authorization"] == "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert sent["form"] == {"grant_type": "client_credentials", "scope": "items.read"}  # every documented scope


def test_client_secret_post_sends_the_client_in_the_body(
    hosts: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_host, api_host = hosts
    session = session_for(
        tmp_path,
        monkeypatch,
        api_host,
        token_host_url=f"{token_host}/oauth2/token",
        token='client_auth = "client_secret_post"\nscope_param = "scope"\nextra_params = { audience = "api" }',
    )
    session.tokens.token("sandbox", "token-test", "app", ["items.read"])
    [sent] = ISSUER.requests
    assert sent["authorization"] is None
    assert sent["form"] == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scope": "items.read",
        "audience": "api",
    }


def test_no_client_authentication_sends_only_the_client_id(
    hosts: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, api_host = hosts
    session = session_for(tmp_path, monkeypatch, api_host, token='client_auth = "none"')
    assert _list(session) == 200  # relative tokenUrl: resolved against the API's base URL
    [sent] = ISSUER.requests
    assert sent["authorization"] is None
    assert sent["form"] == {"grant_type": "client_credentials", "scope": "items.read", "client_id": CLIENT_ID}


def test_password_flow_sends_the_login(hosts: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, api_host = hosts
    fields = 'username = "TT_USER"\npassword = "TT_PW"'
    session = session_for(tmp_path, monkeypatch, api_host, flows=("password", "clientCredentials"), fields=fields)
    assert _list(session) == 200
    [sent] = ISSUER.requests
    assert sent["form"] == {"grant_type": "password", "username": USERNAME, "password": PASSWORD, "scope": "items.read"}


def test_absolute_token_url_on_a_documented_server_is_rebased_onto_the_target(
    hosts: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, api_host = hosts
    session = session_for(tmp_path, monkeypatch, api_host, token_url="https://api.tokens.example/v1/oauth/token")
    flow = session.tokens.flow("token-test", {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    assert session.tokens.token_url("sandbox", "token-test", flow) == f"{api_host}/v1/oauth/token"


def test_tokens_are_cached_and_renewed_before_they_expire(
    hosts: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, api_host = hosts
    ISSUER.expires_in = 2
    session = session_for(tmp_path, monkeypatch, api_host, token="renew_before_seconds = 1")
    assert _list(session) == 200 and _list(session) == 200
    assert len(ISSUER.requests) == 1  # cached
    time.sleep(1.2)  # inside the renewal margin now
    assert _list(session) == 200
    assert len(ISSUER.requests) == 2


def test_a_401_on_a_cached_token_renews_it_once(
    hosts: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, api_host = hosts
    session = session_for(tmp_path, monkeypatch, api_host)
    assert _list(session) == 200
    ISSUER.tokens.clear()  # the vendor ended every token early
    assert _list(session) == 200
    assert len(ISSUER.requests) == 2


def test_a_refused_credential_is_one_configuration_line_and_is_not_retried(
    hosts: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, api_host = hosts
    ISSUER.refuse = True
    session = session_for(tmp_path, monkeypatch, api_host)
    for _ in range(3):
        with pytest.raises(CredentialRefused) as refused:
            session.present("sandbox", "token-test")
    message = str(refused.value)
    assert "\n" not in message and CLIENT_SECRET not in message
    assert "credential 'app' of sandbox (HTTP 401 invalid_client)" in message
    assert "[targets.t.apis.token-test.token]" in message
    assert len(ISSUER.requests) == 1


def test_a_missing_scope_credential_asks_only_for_what_it_has(
    hosts: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, api_host = hosts
    fields = (
        'client_id = "TT_ID"\nclient_secret = "TT_SECRET"\n'
        '[targets.t.environments.sandbox.credentials.narrow]\npurpose = "missing_scope"\nscopes = ["items.write"]\n'
        'client_id = "TT_ID"\nclient_secret = "TT_SECRET"'
    )
    session = session_for(tmp_path, monkeypatch, api_host, fields=fields)
    role = session.role_for("sandbox", "token-test", "missing_scope")
    assert role == "narrow" and session.role_for("sandbox", "token-test") == "app"
    granted = session.target.environments["sandbox"].role("narrow").scopes
    session.present("sandbox", "token-test", role, list(granted or ()), fresh=True)
    assert ISSUER.requests[-1]["form"]["scope"] == "items.write"
