"""A hostile HTTP target for the project's own tests: every way a vendor API can misbehave, on one loopback port.

Raw sockets, one thread per connection, ``Connection: close`` on every response (one request per connection), so
the server has full control over bytes, timing, resets and lying headers. Nothing here talks to anything but
127.0.0.1.

Usage::

    from tests.hostile import refused_url, start_hostile

    with start_hostile() as server:  # start_hostile(slow_interval=1.0, huge_size=50 * 1024 * 1024)
        server.url                                 # http://127.0.0.1:PORT
        server.url_for("slow", "/api/v1/customerAccountLookup")  # http://127.0.0.1:PORT/slow/api/v1/...
        server.received                            # snapshot list[ReceivedRequest] of what this server got
        server.elsewhere.url                       # the "other origin" (another port) redirects point to
        server.elsewhere.received                  # snapshot list[ReceivedRequest] of what it got
        server.elsewhere.clear()
    refused_url()                                  # http://127.0.0.1:P/ where nothing listens

``start_hostile()`` returns an already started :class:`HostileServer`; ``with`` stops it, or call ``.stop()``
(idempotent; returns within about 1 s even with hung, slow or huge responses in flight).

Picking the mode (first match wins): query parameter ``?hostile=MODE``, then header ``X-Hostile-Mode: MODE``,
then the first path segment ``/MODE/anything...``. When the mode comes from the path, the rest of the path
(``/anything...``) is what redirect modes carry over; otherwise the whole path is. An unknown mode gets a 404
JSON ``{"error": "unknown hostile mode", "mode": ..., "modes": [...]}``.

Modes:

* ``ok`` -- 200 ``application/json`` ``{"ok": true}``.
* ``hang`` -- reads the request, never answers; the socket stays open until the client goes away or the server
  stops.
* ``slow`` -- a valid 200 JSON response (``{"ok": true}``, correct Content-Length), **the status line and headers
  too**, sent one byte every ``slow_interval`` seconds (1.0 by default).
* ``slow-body`` -- the headers at once, then the body one byte every ``slow_interval`` seconds.
* ``reset`` -- headers (Content-Length: 1000) and 20 bytes of body, then SO_LINGER 0 + close: a TCP RST.
* ``short`` -- ``Content-Length: 1000`` and only 10 bytes of body, then a normal close (FIN).
* ``truncated-json`` -- 200 ``application/json`` ``{"items": [1, 2`` with its true Content-Length.
* ``invalid-json`` -- 200 ``application/json`` ``not json at all``.
* ``huge`` -- 200 ``application/json`` ``{"data": "xxxx..."}`` whose string is ``huge_size`` bytes (50 MiB by
  default); exact Content-Length; streamed from one 64 KiB block, never built in memory.
* ``html200`` -- 200 ``text/html`` maintenance page.
* ``maintenance502`` / ``maintenance503`` (``Retry-After: 1``) / ``gateway504`` -- HTML error pages.
* ``redirect302`` / ``redirect303`` / ``redirect307`` / ``redirect308`` -- that status with ``Location:
  {elsewhere.url}{rest of path}?{query}`` (another port, so another origin). The elsewhere listener records
  every request (method, path, query, headers, body bytes) and answers 200 ``application/json``
  ``{"access_token": "attacker-token-123456", "token_type": "bearer", "expires_in": 3600}``.
* ``loop`` -- 302 back to this server forever, alternating the last path segment: ``/loop/x`` -> ``/loop/x/a``
  -> ``/loop/x/b`` -> ``/loop/x/a`` ... (query kept).
* ``echo`` -- 200 ``application/json`` reflecting the request, secrets included, in several encodings::

    {
      "method": "POST",
      "path": "/echo/oauth/token",               # as received, mode segment included
      "query": "a=1&b=2",                        # raw query string, "" if none
      "headers": {"Authorization": "Bearer s3cr3t", ...},   # names as sent; repeated names joined by ", "
      "body": "grant_type=refresh_token&...",    # raw body decoded as UTF-8 (errors replaced)
      "b64": {
        "headers": "<base64 of the raw header lines joined by CRLF, as received>",
        "body": "<base64 of the raw body bytes>",
        "secret": "<base64 of fields.sessionId>"
      },
      "url": {
        "headers": "<percent-encoding (quote, safe='') of the raw header lines joined by CRLF>",
        "body": "<percent-encoding (quote, safe='') of the body text>",
        "secret": "<percent-encoding of fields.sessionId>"
      },
      "fields": {                                # secrets under names a redactor may not know; "" if none found
        "sessionId": "<the Authorization header value, else the first credential found>",
        "refresh": "<first credential whose name contains 'refresh', else the first non-Authorization
                    credential, else sessionId>",
        "session": "<the bare token after the Authorization scheme ('Bearer X' -> 'X'), else the first
                    credential whose name contains 'session' or 'token', else sessionId>",
        "key": "<first credential whose name contains 'key' or 'secret', else sessionId>",
        "auth": "<Basic credentials decoded to 'user:pass', else the first credential whose name contains
                 'password' or 'secret', else sessionId>",
        "jwt": "<an unsigned-looking JWT 'eyJ...' whose payload is {\"sub\": sessionId, \"secret\": sessionId}>"
      },
      "credentials": [{"where": "header"|"query"|"form"|"json", "name": "...", "value": "..."}, ...]
    }

  A *credential* is the ``Authorization`` header, then any header, query parameter, form field
  (``application/x-www-form-urlencoded`` or any body that parses as one) or top-level JSON-object string field
  whose lower-cased name contains one of :data:`CREDENTIAL_WORDS` (or is ``code``), in that order.

Everything the server receives is recorded as a :class:`ReceivedRequest` *before* it answers, so a client that
has its response can read ``received`` without waiting.
"""

from __future__ import annotations

import base64
import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

HOST = "127.0.0.1"
ATTACKER_TOKEN = "attacker-token-123456"
ELSEWHERE_BODY: dict[str, Any] = {"access_token": ATTACKER_TOKEN, "token_type": "bearer", "expires_in": 3600}
CREDENTIAL_WORDS = (
    "auth",
    "token",
    "secret",
    "key",
    "session",
    "password",
    "passwd",
    "cookie",
    "jwt",
    "signature",
    "assertion",
    "credential",
    "verifier",
)

_TICK = 0.05  # every blocking socket call and wait is bounded by this, so stop() is prompt
_MAX_HEAD = 64 * 1024
_MAX_BODY = 16 * 1024 * 1024
_REQUEST_DEADLINE_S = 30.0
_HUGE_BLOCK = b"x" * (64 * 1024)

_HTML_MAINTENANCE = (
    b"<!DOCTYPE html>\n<html><head><title>Scheduled maintenance</title></head>\n"
    b"<body><h1>We&rsquo;ll be back soon</h1><p>Our API is undergoing scheduled maintenance. "
    b"Please try again later.</p></body></html>\n"
)
_HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
    b"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
_HTML_504 = (
    b"<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
    b"<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)

_REASONS = {
    200: "OK",
    302: "Found",
    303: "See Other",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    404: "Not Found",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as a listener read it off the wire."""

    method: str
    target: str  # request target as sent: path plus "?query"
    path: str  # without the query
    query: str  # raw query string, "" if none
    headers: tuple[tuple[str, str], ...]  # in order, names as sent
    raw_headers: bytes  # the header lines exactly as received, CRLF-joined, no request line
    body: bytes  # de-chunked if it came chunked
    received_at: float  # time.monotonic()

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    @property
    def header_dict(self) -> dict[str, str]:
        """Headers by lower-cased name, repeated names joined by ", "."""
        merged: dict[str, str] = {}
        for key, value in self.headers:
            low = key.lower()
            merged[low] = f"{merged[low]}, {value}" if low in merged else value
        return merged


class _ClientGone(Exception):
    """The peer closed, the socket broke, the read deadline passed or the server is stopping."""


class _Conn:
    """One accepted socket with stop-aware, bounded reads and writes."""

    def __init__(self, sock: socket.socket, stop: threading.Event) -> None:
        self.sock = sock
        self.stop = stop
        self.buf = bytearray()
        sock.settimeout(_TICK)

    def _recv(self) -> bytes | None:
        """What the peer sent within one tick (None: nothing yet); _ClientGone when it closed or failed."""
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError:
            return None
        except OSError as exc:
            raise _ClientGone from exc
        if not chunk:
            raise _ClientGone
        return chunk

    def _fill(self, deadline: float) -> None:
        while True:
            if self.stop.is_set() or time.monotonic() > deadline:
                raise _ClientGone
            chunk = self._recv()
            if chunk is not None:
                self.buf += chunk
                return

    def read_until(self, marker: bytes, limit: int, deadline: float) -> bytes:
        while (index := self.buf.find(marker)) < 0:
            if len(self.buf) > limit:
                raise _ClientGone
            self._fill(deadline)
        data = bytes(self.buf[:index])
        del self.buf[: index + len(marker)]
        return data

    def read_exact(self, size: int, deadline: float) -> bytes:
        while len(self.buf) < size:
            self._fill(deadline)
        data = bytes(self.buf[:size])
        del self.buf[:size]
        return data

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self.stop.is_set():
                raise _ClientGone
            try:
                sent = self.sock.send(view)
            except TimeoutError:
                continue
            except OSError as exc:
                raise _ClientGone from exc
            view = view[sent:]

    def sleep(self, seconds: float | None) -> None:
        """Wait ``seconds`` (None: forever) while watching the peer; raise _ClientGone if it leaves or on stop.

        Anything the peer sends meanwhile is read and dropped, so a client that gave up frees its thread at once.
        """
        deadline = None if seconds is None else time.monotonic() + seconds
        try:
            while True:
                if self.stop.is_set():
                    raise _ClientGone
                remaining = _TICK if deadline is None else deadline - time.monotonic()
                if remaining <= 0:
                    return
                self.sock.settimeout(min(_TICK, remaining))
                self._recv()  # dropped
        finally:
            try:
                self.sock.settimeout(_TICK)
            except OSError:
                pass

    def wait_until_gone(self) -> None:
        """Hold the connection open, answering nothing, until the peer closes or the server stops."""
        try:
            self.sleep(None)
        except _ClientGone:
            return

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER on, 0 s)."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.sock.close()


def _read_request(conn: _Conn) -> ReceivedRequest:
    deadline = time.monotonic() + _REQUEST_DEADLINE_S
    head = conn.read_until(b"\r\n\r\n", _MAX_HEAD, deadline)
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        raise _ClientGone
    method, target, _version = parts
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers.append((name.strip(), value.strip()))
    raw_headers = head.partition(b"\r\n")[2]
    lowered = {name.lower(): value for name, value in headers}
    body = b""
    if "chunked" in lowered.get("transfer-encoding", "").lower():
        pieces: list[bytes] = []
        total = 0
        while True:
            size_line = conn.read_until(b"\r\n", 1024, deadline)
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while conn.read_until(b"\r\n", _MAX_HEAD, deadline):  # trailers, up to the empty line
                    pass
                break
            total += size
            if total > _MAX_BODY:
                raise _ClientGone
            pieces.append(conn.read_exact(size, deadline))
            conn.read_exact(2, deadline)
        body = b"".join(pieces)
    elif "content-length" in lowered:
        try:
            length = int(lowered["content-length"])
        except ValueError as exc:
            raise _ClientGone from exc
        if length < 0 or length > _MAX_BODY:
            raise _ClientGone
        body = conn.read_exact(length, deadline)
    path, _, query = target.partition("?")
    return ReceivedRequest(
        method=method,
        target=target,
        path=path,
        query=query,
        headers=tuple(headers),
        raw_headers=raw_headers,
        body=body,
        received_at=time.monotonic(),
    )


def _response(
    status: int,
    body: bytes = b"",
    content_type: str | None = "application/json",
    extra: tuple[tuple[str, str], ...] = (),
    content_length: int | None = None,
) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines.append(f"Content-Length: {len(body) if content_length is None else content_length}")
    lines.append("Connection: close")
    lines.extend(f"{name}: {value}" for name, value in extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _json(status: int, payload: Any) -> bytes:
    return _response(status, json.dumps(payload).encode())


class _Listener:
    """A loopback listening socket with an accept thread and one thread per connection."""

    def __init__(self, name: str, handle: Callable[[_Conn, ReceivedRequest], None]) -> None:
        self._handle = handle
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._received: list[ReceivedRequest] = []
        self._open: set[socket.socket] = set()
        self._threads: set[threading.Thread] = set()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((HOST, 0))
        self._sock.listen(128)
        self._sock.settimeout(_TICK)
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}"
        self._name = name
        self._accepter = threading.Thread(target=self._accept_loop, name=f"hostile-{name}-accept", daemon=True)
        self._accepter.start()

    @property
    def received(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._received)

    def clear(self) -> None:
        with self._lock:
            self._received.clear()

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._open)

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _addr = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(sock,), name=f"hostile-{self._name}-conn", daemon=True)
            with self._lock:
                if self._stop.is_set():
                    sock.close()
                    return
                self._open.add(sock)
                self._threads.add(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        conn = _Conn(sock, self._stop)
        try:
            request = _read_request(conn)
            with self._lock:
                self._received.append(request)
            self._handle(conn, request)
        except _ClientGone:
            pass
        except Exception:  # a fixture bug must not become an unhandled-thread-exception error in some other test
            try:
                conn.send(_response(500, b"hostile server error", "text/plain"))
            except _ClientGone:
                pass
        finally:
            try:
                sock.close()
            except OSError:
                pass
            with self._lock:
                self._open.discard(sock)
                self._threads.discard(threading.current_thread())

    def stop(self, timeout: float = 0.8) -> None:
        deadline = time.monotonic() + timeout
        self._stop.set()
        try:
            self._sock.close()
        except OSError:
            pass
        with self._lock:
            for sock in self._open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            threads = list(self._threads)
        self._accepter.join(max(0.0, deadline - time.monotonic()))
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


class Elsewhere:
    """The other origin redirects point to: records everything and hands out an attacker's token."""

    def __init__(self) -> None:
        self._listener = _Listener("elsewhere", self._handle)
        self.url = self._listener.url
        self.port = self._listener.port

    @staticmethod
    def _handle(conn: _Conn, request: ReceivedRequest) -> None:
        conn.send(_json(200, ELSEWHERE_BODY))

    @property
    def received(self) -> list[ReceivedRequest]:
        """A snapshot, oldest first, of every request this origin received."""
        return self._listener.received

    def clear(self) -> None:
        self._listener.clear()

    def stop(self) -> None:
        self._listener.stop()


MODES = (
    "ok",
    "hang",
    "slow",
    "slow-body",
    "reset",
    "short",
    "truncated-json",
    "invalid-json",
    "huge",
    "html200",
    "maintenance502",
    "maintenance503",
    "gateway504",
    "redirect302",
    "redirect303",
    "redirect307",
    "redirect308",
    "loop",
    "echo",
)


def _select_mode(request: ReceivedRequest) -> tuple[str, str]:
    """(mode, rest of the path the mode did not consume)."""
    for name, value in parse_qsl(request.query, keep_blank_values=True):
        if name == "hostile" and value:
            return value, request.path
    header = request.header("X-Hostile-Mode")
    if header:
        return header.strip(), request.path
    segment, _, rest = request.path.lstrip("/").partition("/")
    return unquote(segment), "/" + rest


def _is_credential_name(name: str) -> bool:
    low = name.lower()
    return low == "code" or any(word in low for word in CREDENTIAL_WORDS)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _credentials(request: ReceivedRequest) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    authorization = request.header("Authorization")
    if authorization is not None:
        found.append({"where": "header", "name": "Authorization", "value": authorization})
    for name, value in request.headers:
        if name.lower() != "authorization" and _is_credential_name(name):
            found.append({"where": "header", "name": name, "value": value})
    for name, value in parse_qsl(request.query, keep_blank_values=True):
        if _is_credential_name(name):
            found.append({"where": "query", "name": name, "value": value})
    text = request.body.decode("utf-8", errors="replace")
    parsed_json: Any = None
    if text.lstrip().startswith("{"):
        try:
            parsed_json = json.loads(text)
        except ValueError:
            parsed_json = None
    if isinstance(parsed_json, dict):
        for name, value in parsed_json.items():
            if isinstance(value, str) and _is_credential_name(str(name)):
                found.append({"where": "json", "name": str(name), "value": value})
    elif text and "=" in text:
        for name, value in parse_qsl(text, keep_blank_values=True):
            if _is_credential_name(name):
                found.append({"where": "form", "name": name, "value": value})
    return found


def _echo(request: ReceivedRequest) -> dict[str, Any]:
    credentials = _credentials(request)
    authorization = request.header("Authorization")

    def first(*words: str, skip_authorization: bool = False) -> str | None:
        for item in credentials:
            if skip_authorization and item["name"].lower() == "authorization":
                continue
            if not words or any(word in item["name"].lower() for word in words):
                return item["value"]
        return None

    session_id = authorization if authorization is not None else (first() or "")
    bare: str | None = None
    basic: str | None = None
    if authorization:
        scheme, _, rest = authorization.partition(" ")
        if rest.strip():
            bare = rest.strip()
            if scheme.lower() == "basic":
                try:
                    basic = base64.b64decode(bare, validate=True).decode("utf-8", errors="replace")
                except ValueError:
                    basic = None
    jwt = ""
    if session_id:
        jwt = ".".join(
            (
                _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()),
                _b64url(json.dumps({"sub": session_id, "secret": session_id}).encode()),
                _b64url(b"hostile-signature-not-verified"),
            )
        )
    fields = {
        "sessionId": session_id,
        "refresh": first("refresh") or first(skip_authorization=True) or session_id,
        "session": bare or first("session", "token") or session_id,
        "key": first("key", "secret") or session_id,
        "auth": basic or first("password", "secret") or session_id,
        "jwt": jwt,
    }
    body_text = request.body.decode("utf-8", errors="replace")
    headers_text = request.raw_headers.decode("latin-1")
    return {
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "headers": {
            name: ", ".join(value for key, value in request.headers if key == name)
            for name in dict.fromkeys(key for key, _ in request.headers)
        },
        "body": body_text,
        "b64": {
            "headers": base64.b64encode(request.raw_headers).decode(),
            "body": base64.b64encode(request.body).decode(),
            "secret": base64.b64encode(session_id.encode()).decode(),
        },
        "url": {
            "headers": quote(headers_text, safe=""),
            "body": quote(body_text, safe=""),
            "secret": quote(session_id, safe=""),
        },
        "fields": fields,
        "credentials": credentials,
    }


class HostileServer:
    """The hostile target (one port, every mode) plus its :class:`Elsewhere` origin (another port)."""

    def __init__(self, *, slow_interval: float = 1.0, huge_size: int = 50 * 1024 * 1024) -> None:
        self.slow_interval = slow_interval
        self.huge_size = huge_size
        self._stopped = False
        self.elsewhere = Elsewhere()
        try:
            self._listener = _Listener("target", self._handle)
        except BaseException:
            self.elsewhere.stop()
            raise
        self.url = self._listener.url
        self.port = self._listener.port

    def url_for(self, mode: str, path: str = "/") -> str:
        """``{url}/{mode}{path}``; ``path`` may carry a query."""
        return f"{self.url}/{mode}/{path.lstrip('/')}"

    @property
    def received(self) -> list[ReceivedRequest]:
        """A snapshot, oldest first, of every request the target received (any mode)."""
        return self._listener.received

    def clear(self) -> None:
        self._listener.clear()

    @property
    def open_connections(self) -> int:
        return self._listener.open_connections

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        stoppers = [threading.Thread(target=self._listener.stop), threading.Thread(target=self.elsewhere.stop)]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- modes -----------------------------------------------------------------------------------------------

    def _handle(self, conn: _Conn, request: ReceivedRequest) -> None:
        mode, rest = _select_mode(request)
        query = f"?{request.query}" if request.query else ""
        if mode == "ok":
            conn.send(_json(200, {"ok": True}))
        elif mode == "hang":
            conn.wait_until_gone()
        elif mode == "slow":
            for byte in _json(200, {"ok": True}):
                conn.send(bytes((byte,)))
                conn.sleep(self.slow_interval)
        elif mode == "slow-body":
            body = json.dumps({"ok": True}).encode()
            conn.send(_response(200, content_length=len(body)))
            for byte in body:
                conn.sleep(self.slow_interval)
                conn.send(bytes((byte,)))
        elif mode == "reset":
            conn.send(_response(200, b'{"items": [1, 2, 3, ', content_length=1000))
            conn.sleep(0.1)  # let the bytes leave before the RST (an RST discards unsent data)
            conn.reset()
        elif mode == "short":
            conn.send(_response(200, b'{"items": ', content_length=1000))
        elif mode == "truncated-json":
            conn.send(_response(200, b'{"items": [1, 2'))
        elif mode == "invalid-json":
            conn.send(_response(200, b"not json at all"))
        elif mode == "huge":
            self._send_huge(conn)
        elif mode == "html200":
            conn.send(_response(200, _HTML_MAINTENANCE, "text/html; charset=utf-8"))
        elif mode == "maintenance502":
            conn.send(_response(502, _HTML_502, "text/html"))
        elif mode == "maintenance503":
            conn.send(_response(503, _HTML_MAINTENANCE, "text/html; charset=utf-8", (("Retry-After", "1"),)))
        elif mode == "gateway504":
            conn.send(_response(504, _HTML_504, "text/html"))
        elif mode in ("redirect302", "redirect303", "redirect307", "redirect308"):
            location = f"{self.elsewhere.url}{rest}{query}"
            conn.send(_response(int(mode[-3:]), content_type=None, extra=(("Location", location),)))
        elif mode == "loop":
            head, _, last = request.path.rpartition("/")
            target = f"{head}/b" if last == "a" else f"{head}/a" if last == "b" else f"{request.path.rstrip('/')}/a"
            location = f"{self.url}{target}{query}"
            conn.send(_response(302, content_type=None, extra=(("Location", location),)))
        elif mode == "echo":
            conn.send(_json(200, _echo(request)))
        else:
            conn.send(_json(404, {"error": "unknown hostile mode", "mode": mode, "modes": list(MODES)}))

    def _send_huge(self, conn: _Conn) -> None:
        prefix, suffix = b'{"data": "', b'"}'
        conn.send(_response(200, prefix, content_length=len(prefix) + self.huge_size + len(suffix)))
        remaining = self.huge_size
        while remaining > 0:
            piece = _HUGE_BLOCK if remaining >= len(_HUGE_BLOCK) else _HUGE_BLOCK[:remaining]
            conn.send(piece)
            remaining -= len(piece)
        conn.send(suffix)


def start_hostile(*, slow_interval: float = 1.0, huge_size: int = 50 * 1024 * 1024) -> HostileServer:
    """Start the hostile target and its other origin; use as ``with start_hostile() as server:``."""
    return HostileServer(slow_interval=slow_interval, huge_size=huge_size)


def refused_url(path: str = "/") -> str:
    """A loopback URL on a port where nothing listens (bound, read, closed): connecting is refused."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
    finally:
        probe.close()
    return f"http://{HOST}:{port}/{path.lstrip('/')}"
