"""The hostile target does what its docstring says, mode by mode (raw sockets where httpx would hide the bytes)."""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import httpx
import pytest

from tests.hostile import ATTACKER_TOKEN, ELSEWHERE_BODY, MODES, HostileServer, refused_url, start_hostile


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with start_hostile() as running:
        yield running


@pytest.fixture(autouse=True)
def _clean(server: HostileServer) -> None:
    server.clear()
    server.elsewhere.clear()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    # trust_env=False: no proxy from the environment, traffic stays on 127.0.0.1
    with httpx.Client(timeout=httpx.Timeout(2.0), trust_env=False) as client:
        yield client


def _raw(url: str, request: bytes | None = None, timeout: float = 2.0) -> socket.socket:
    parts = urlsplit(url)
    assert parts.hostname == "127.0.0.1"
    sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    sock.sendall(request or f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode())
    return sock


def _read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed before the end of the headers: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def test_ok(server: HostileServer, http: httpx.Client) -> None:
    response = http.get(server.url_for("ok", "/api/v1/customerAccountLookup?x=1"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"ok": True}
    (seen,) = server.received
    assert (seen.method, seen.path, seen.query) == ("GET", "/ok/api/v1/customerAccountLookup", "x=1")


def test_mode_by_header_and_query_overrides_path(server: HostileServer, http: httpx.Client) -> None:
    by_header = http.get(server.url_for("ok", "/a"), headers={"X-Hostile-Mode": "invalid-json"})
    assert by_header.text == "not json at all"
    by_query = http.get(server.url_for("ok", "/a?hostile=truncated-json"), headers={"X-Hostile-Mode": "invalid-json"})
    assert by_query.text == '{"items": [1, 2'


def test_unknown_mode_is_404_listing_the_modes(server: HostileServer, http: httpx.Client) -> None:
    response = http.get(server.url_for("no-such-mode"))
    assert response.status_code == 404
    assert response.json()["modes"] == list(MODES)


def test_hang_reads_the_request_and_never_answers(server: HostileServer) -> None:
    started = time.monotonic()
    with (
        httpx.Client(timeout=httpx.Timeout(0.3), trust_env=False) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.post(server.url_for("hang", "/oauth/token"), content=b"grant_type=client_credentials")
    assert time.monotonic() - started < 1.0
    (seen,) = server.received
    assert seen.body == b"grant_type=client_credentials"


def test_slow_trickles_status_line_and_headers_one_byte_per_second(server: HostileServer) -> None:
    with _raw(server.url_for("slow", "/api/v1/customerAccountLookup")) as sock:
        sock.settimeout(0.5)
        assert sock.recv(100) == b"H"
        first = time.monotonic()
        sock.settimeout(0.6)
        with pytest.raises(TimeoutError):
            sock.recv(100)
        sock.settimeout(1.5)
        assert sock.recv(100) == b"T"
        assert 0.7 < time.monotonic() - first < 1.6


def test_slow_defeats_a_per_read_timeout(server: HostileServer) -> None:
    started = time.monotonic()
    with httpx.Client(timeout=httpx.Timeout(0.4), trust_env=False) as client, pytest.raises(httpx.ReadTimeout):
        client.get(server.url_for("slow"))
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("mode", ["slow", "slow-body"])
def test_slow_response_is_valid_when_waited_for(mode: str) -> None:
    with (
        start_hostile(slow_interval=0.004) as fast,
        httpx.Client(timeout=httpx.Timeout(1.0), trust_env=False) as client,
    ):
        started = time.monotonic()
        response = client.get(fast.url_for(mode))
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    trickled = len(b'{"ok": true}') if mode == "slow-body" else 80
    assert elapsed >= trickled * 0.004


def test_reset_sends_part_of_the_body_then_rst(server: HostileServer) -> None:
    with _raw(server.url_for("reset")) as sock:
        head, _body = _read_head(sock)
        assert b"Content-Length: 1000" in head
        with pytest.raises(ConnectionResetError):
            while sock.recv(65536):
                pass  # a clean EOF (FIN) would end the loop and fail the test


def test_reset_is_a_transport_error_for_httpx(server: HostileServer, http: httpx.Client) -> None:
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        http.get(server.url_for("reset"))


def test_short_promises_1000_bytes_sends_10_and_closes(server: HostileServer, http: httpx.Client) -> None:
    with _raw(server.url_for("short")) as sock:
        head, body = _read_head(sock)
        while chunk := sock.recv(65536):
            body += chunk
    assert b"Content-Length: 1000" in head
    assert len(body) == 10
    with pytest.raises(httpx.RemoteProtocolError):
        http.get(server.url_for("short"))


@pytest.mark.parametrize(("mode", "text"), [("truncated-json", '{"items": [1, 2'), ("invalid-json", "not json at all")])
def test_broken_json_with_true_length(server: HostileServer, http: httpx.Client, mode: str, text: str) -> None:
    response = http.get(server.url_for(mode))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-length"] == str(len(text))
    assert response.text == text
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_huge_is_a_50_mb_json_string_streamed(server: HostileServer, http: httpx.Client) -> None:
    with http.stream("GET", server.url_for("huge", "/api/v1/list")) as response:
        assert response.status_code == 200
        length = int(response.headers["content-length"])
        assert length >= 50 * 1024 * 1024
        chunks = response.iter_raw(65536)
        first = next(chunks)
        assert first.startswith(b'{"data": "xxxx')
        total, tail = len(first), first[-2:]
        for chunk in chunks:
            total += len(chunk)
            tail = (tail + chunk)[-2:]
    assert total == length
    assert tail == b'"}'


def test_huge_stops_when_the_client_walks_away(server: HostileServer, http: httpx.Client) -> None:
    with http.stream("GET", server.url_for("huge")) as response:
        assert int(response.headers["content-length"]) >= 50 * 1024 * 1024
        next(response.iter_raw(4096))
    deadline = time.monotonic() + 2
    while server.open_connections and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.open_connections == 0


@pytest.mark.parametrize(
    ("mode", "status"), [("html200", 200), ("maintenance502", 502), ("maintenance503", 503), ("gateway504", 504)]
)
def test_html_pages(server: HostileServer, http: httpx.Client, mode: str, status: int) -> None:
    response = http.get(server.url_for(mode, "/api/v1/customerAccountLookup"))
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text.lower()
    assert response.headers.get("retry-after") == ("1" if mode == "maintenance503" else None)


@pytest.mark.parametrize("status", [302, 303, 307, 308])
def test_redirects_go_to_another_origin(server: HostileServer, http: httpx.Client, status: int) -> None:
    response = http.post(
        server.url_for(f"redirect{status}", "/oauth/token?scope=a%20b"), content=b"grant_type=client_credentials"
    )
    assert response.status_code == status
    location = response.headers["location"]
    assert location == f"{server.elsewhere.url}/oauth/token?scope=a%20b"
    assert urlsplit(location).port != urlsplit(server.url).port
    assert server.elsewhere.received == []


@pytest.mark.parametrize(("status", "method"), [(302, "GET"), (303, "GET"), (307, "POST"), (308, "POST")])
def test_followed_redirect_is_recorded_elsewhere(
    server: HostileServer, http: httpx.Client, status: int, method: str
) -> None:
    body = b"grant_type=client_credentials&client_secret=cs-1"
    response = http.post(server.url_for(f"redirect{status}", "/oauth/token"), content=body, follow_redirects=True)
    assert response.json() == ELSEWHERE_BODY
    (seen,) = server.elsewhere.received
    assert (seen.method, seen.path) == (method, "/oauth/token")
    assert seen.body == (body if method == "POST" else b"")


def test_elsewhere_records_method_path_query_headers_and_body(server: HostileServer, http: httpx.Client) -> None:
    response = http.put(
        f"{server.elsewhere.url}/steal/here?who=me",
        content=b"\x00binary\xffbody",
        headers={"Authorization": "Bearer leaked-1", "X-Custom": "v"},
    )
    assert response.status_code == 200
    assert response.json()["access_token"] == ATTACKER_TOKEN
    (seen,) = server.elsewhere.received
    assert (seen.method, seen.path, seen.query, seen.body) == ("PUT", "/steal/here", "who=me", b"\x00binary\xffbody")
    assert seen.header("authorization") == "Bearer leaked-1"
    assert seen.header_dict["x-custom"] == "v"
    server.elsewhere.clear()
    assert server.elsewhere.received == []


def test_loop_alternates_forever(server: HostileServer, http: httpx.Client) -> None:
    hops = []
    url = server.url_for("loop", "/x?q=1")
    for _ in range(4):
        response = http.get(url)
        assert response.status_code == 302
        url = response.headers["location"]
        hops.append(url.removeprefix(server.url))
    assert hops == ["/loop/x/a?q=1", "/loop/x/b?q=1", "/loop/x/a?q=1", "/loop/x/b?q=1"]
    with pytest.raises(httpx.TooManyRedirects):
        http.get(server.url_for("loop"), follow_redirects=True)


def test_echo_reflects_secrets_plain_base64_and_url_encoded(server: HostileServer, http: httpx.Client) -> None:
    form = "grant_type=refresh_token&refresh_token=rt-123&client_secret=cs-456"
    response = http.post(
        server.url_for("echo", "/oauth/token?session_token=qs-1"),
        content=form.encode(),
        headers={
            "Authorization": "Bearer s3cr3t-abc",
            "X-Api-Key": "k-789",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 200
    echo = response.json()
    assert (echo["method"], echo["path"], echo["query"]) == ("POST", "/echo/oauth/token", "session_token=qs-1")
    assert echo["headers"]["Authorization"] == "Bearer s3cr3t-abc"
    assert echo["body"] == form
    assert base64.b64decode(echo["b64"]["body"]).decode() == form
    assert "Authorization: Bearer s3cr3t-abc" in base64.b64decode(echo["b64"]["headers"]).decode()
    assert base64.b64decode(echo["b64"]["secret"]).decode() == "Bearer s3cr3t-abc"
    assert echo["url"]["body"] == quote(form, safe="")
    assert quote("Bearer s3cr3t-abc", safe="") in echo["url"]["headers"]
    assert echo["url"]["secret"] == "Bearer%20s3cr3t-abc"
    fields = echo["fields"]
    assert {k: fields[k] for k in ("sessionId", "refresh", "session", "key", "auth")} == {
        "sessionId": "Bearer s3cr3t-abc",
        "refresh": "rt-123",
        "session": "s3cr3t-abc",
        "key": "k-789",
        "auth": "cs-456",
    }
    header, payload, signature = fields["jwt"].split(".")
    assert header.startswith("eyJ") and signature
    assert json.loads(base64.urlsafe_b64decode(payload + "==")) == {
        "sub": "Bearer s3cr3t-abc",
        "secret": "Bearer s3cr3t-abc",
    }
    assert [(c["where"], c["name"], c["value"]) for c in echo["credentials"]] == [
        ("header", "Authorization", "Bearer s3cr3t-abc"),
        ("header", "X-Api-Key", "k-789"),
        ("query", "session_token", "qs-1"),
        ("form", "refresh_token", "rt-123"),
        ("form", "client_secret", "cs-456"),
    ]


def test_echo_decodes_basic_and_finds_json_fields(server: HostileServer, http: httpx.Client) -> None:
    basic = base64.b64encode(b"client-id:client-secret-9").decode()
    echo = http.post(
        server.url_for("echo"), json={"password": "pw-1", "user": "u"}, headers={"Authorization": f"Basic {basic}"}
    ).json()
    assert echo["fields"]["auth"] == "client-id:client-secret-9"
    assert echo["fields"]["session"] == basic
    assert echo["fields"]["refresh"] == "pw-1"
    assert ("json", "password", "pw-1") in [(c["where"], c["name"], c["value"]) for c in echo["credentials"]]


def test_echo_without_credentials_has_empty_fields(server: HostileServer, http: httpx.Client) -> None:
    echo = http.get(server.url_for("echo", "/plain")).json()
    assert echo["fields"] == dict.fromkeys(("sessionId", "refresh", "session", "key", "auth", "jwt"), "")
    assert echo["body"] == "" and echo["credentials"] == []


def test_echo_chunked_body(server: HostileServer, http: httpx.Client) -> None:
    echo = http.post(server.url_for("echo"), content=iter([b"token=", b"abc"])).json()
    assert echo["body"] == "token=abc"
    assert echo["fields"]["sessionId"] == "abc"


def test_refused_url_refuses(http: httpx.Client) -> None:
    url = refused_url("/api/v1/x")
    assert urlsplit(url).hostname == "127.0.0.1"
    with pytest.raises(httpx.ConnectError):
        http.get(url)


def test_stop_is_prompt_with_hung_slow_and_huge_connections_open() -> None:
    running = start_hostile()
    socks = [_raw(running.url_for(mode)) for mode in ("hang", "slow", "slow-body", "huge", "hang")]
    socks.append(_raw(running.elsewhere.url, request=b"GET / HTTP/1.1\r\n"))  # headers never finished
    try:
        deadline = time.monotonic() + 2
        while running.open_connections < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert running.open_connections == 5
        time.sleep(0.1)  # every handler is now inside its mode
        started = time.monotonic()
        running.stop()
        assert time.monotonic() - started < 1.0
        assert running.open_connections == 0
        with pytest.raises(httpx.ConnectError), httpx.Client(timeout=1.0, trust_env=False) as client:
            client.get(running.url_for("ok"))
        running.stop()  # idempotent
    finally:
        for sock in socks:
            sock.close()
