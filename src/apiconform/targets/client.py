"""The HTTP client every suite uses: budget, production write guard, redirect policy, recording.

Nothing else in the suites opens a connection, so these guarantees hold for every request:
- against an environment marked production, no write (POST/PUT/PATCH/DELETE) leaves unless writes are
  allowed, except token requests and operations the contract marks read-only (``x-read-only``);
- the target's request budget is never exceeded (shared by all tests of the run);
- redirects are followed only for reads and only within the origin (a token request or a write is never
  re-sent anywhere, so neither its credentials nor its body can reach another host);
- secrets found in responses (tokens, client secrets) are registered for redaction as they arrive;
- a cookie the target sets is never sent back: each request carries exactly the credentials its check chose.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from apiconform.config.model import Limits
from apiconform.errors import ApiconformError, TargetUnavailable
from apiconform.reporting.redaction import is_secret_name, register_secret
from apiconform.targets.budget import RequestBudget
from apiconform.targets.exchange import Exchange

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_REDIRECTS = 5
# Always credentials; the names the target's contracts declare (API keys) are added per session.
BASE_CREDENTIAL_NAMES = frozenset({("header", "authorization"), ("header", "cookie")})


class WriteBlocked(ApiconformError):
    """A write to a production environment was not sent because writes are not allowed."""


GATEWAY_STATUSES = frozenset({502, 503, 504})  # the vendor's gateway says the API behind it is down
_UNAVAILABLE_ERRORS = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.PoolTimeout,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
)


class _Discarded(httpx.Cookies):
    """A jar that keeps nothing: a session cookie from one answer would otherwise authenticate a later
    "no credentials" request, and tests would depend on their order (cookies travel in the Cookie header)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        raise TypeError("a target client keeps no cookies: send them in the request's Cookie header")

    def __setitem__(self, name: str, value: str) -> None:
        self.set(name, value)


class _CookielessClient(httpx.Client):
    """``httpx.Client`` without a cookie jar (httpx has no switch for it; parsing every answer's cookies
    through ``http.cookiejar`` also cost a tenth of each request's client time)."""

    _jar = _Discarded()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._jar

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        raise TypeError("a target client keeps no cookies: send them in the request's Cookie header")


class CircuitBreaker:
    """Per circuit (an environment's API, else an origin): after ``threshold`` unavailable answers in a row,
    fail at once instead of waiting each time (a target that is down would otherwise cost every remaining test
    its full deadline)."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self._failures: dict[str, int] = {}
        self._lock = threading.Lock()

    def check(self, circuit: str) -> None:
        with self._lock:
            failures = self._failures.get(circuit, 0)
        if failures >= self.threshold:
            raise TargetUnavailable(
                f"{circuit}: target unavailable (circuit open after {failures} unavailable answers in a row; not sent)"
            )

    def record(self, circuit: str, available: bool) -> None:
        with self._lock:
            self._failures[circuit] = 0 if available else self._failures.get(circuit, 0) + 1


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _host(url: str) -> str:
    """host:port for messages: never the userinfo a base URL may carry (``https://user:password@host``)."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


def _identity(headers: Mapping[str, str], names: frozenset[tuple[str, str]]) -> str:
    """Which caller a rate limit applies to: its credential headers, hashed (never stored in clear). A stable
    hash, not ``hash()``: xdist workers share Retry-After pauses by this key, and each process salts ``hash``."""
    material = "|".join(f"{k}={v}" for k, v in sorted(headers.items()) if ("header", k.lower()) in names)
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def _harvest_secrets(data: Any) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and is_secret_name(str(key)):
                register_secret(value)
            else:
                _harvest_secrets(value)
    elif isinstance(data, list):
        for item in data:
            _harvest_secrets(item)


class TargetClient:
    def __init__(self, budget: RequestBudget, allow_writes: bool, limits: Limits | None = None) -> None:
        self.budget = budget
        self.allow_writes = allow_writes
        self.limits = limits or Limits()
        per_read = httpx.Timeout(self.limits.response_seconds, connect=self.limits.connect_seconds)
        self._http = _CookielessClient(timeout=per_read, follow_redirects=False, trust_env=False)
        self._local = threading.local()
        self.writes_sent = 0
        self.sent_here = 0  # requests this process sent (a shared budget counts every worker's)
        self.credential_names: frozenset[tuple[str, str]] = BASE_CREDENTIAL_NAMES
        self.breaker = CircuitBreaker(self.limits.breaker_failures)

    def close(self) -> None:
        self._http.close()
        self.budget.close()

    @property
    def exchanges(self) -> list[Exchange]:
        if not hasattr(self._local, "exchanges"):
            self._local.exchanges = []
        return self._local.exchanges  # type: ignore[no-any-return]

    def record_anew(self) -> list[Exchange]:
        """Collect the exchanges of one test from now on (thread-local), for its failure attachments."""
        self._local.exchanges = []
        return self._local.exchanges  # type: ignore[no-any-return]

    def request(
        self,
        method: str,
        url: str,
        *,
        production: bool = False,
        token_request: bool = False,
        read_only: bool = False,
        headers: Mapping[str, str] | None = None,
        circuit: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        method = method.upper()
        if production and method in WRITE_METHODS and not (self.allow_writes or token_request or read_only):
            raise WriteBlocked(
                f"{method} {url} not sent: the environment is production and writes are not allowed "
                "(pass --allow-writes, or set allow_writes = true for the target, to send it)"
            )
        sent_headers = dict(headers or {})
        circuit = circuit or "://".join(_origin(url))
        response = self._send(method, url, sent_headers, kwargs, circuit)
        if token_request or method in WRITE_METHODS:
            return response  # never re-sent: its credentials and body stay where they were addressed
        for _ in range(MAX_REDIRECTS):
            location = response.headers.get("location")
            if not response.is_redirect or not location:
                return response
            next_url = urljoin(str(response.request.url), location)
            if _origin(next_url) != _origin(url):
                return response  # another origin: reported as the redirect it is, nothing follows it there
            response = self._send(method, next_url, sent_headers, {**kwargs, "params": None}, circuit)
        if response.is_redirect:
            raise TargetUnavailable(
                f"{method} {_host(url)}: target unavailable (more than {MAX_REDIRECTS} redirects within "
                "the origin: a redirect loop)"
            )
        return response

    def _send(
        self, method: str, url: str, headers: dict[str, str], kwargs: dict[str, Any], circuit: str
    ) -> httpx.Response:
        origin = circuit
        self.breaker.check(origin)
        identity = _identity(headers, self.credential_names)
        self.budget.acquire(identity)
        self.sent_here += 1
        if method in WRITE_METHODS:
            self.writes_sent += 1
        where = f"{method} {_host(url)}"
        try:
            response = self._bounded(method, url, headers, kwargs, where)
        except TargetUnavailable:
            self.breaker.record(origin, available=False)
            raise
        except _UNAVAILABLE_ERRORS as exc:
            self.breaker.record(origin, available=False)
            raise TargetUnavailable(f"{where}: target unavailable ({type(exc).__name__})") from None
        if response.status_code in GATEWAY_STATUSES:
            self.breaker.record(origin, available=False)
            self.exchanges.append(Exchange.from_response(response))
            raise TargetUnavailable(
                f"{where}: target unavailable (HTTP {response.status_code} from its gateway"
                + (f", Retry-After {response.headers['retry-after']}" if "retry-after" in response.headers else "")
                + ")"
            )
        self.breaker.record(origin, available=True)
        if response.status_code == 429:
            self.budget.pause(identity, response.headers.get("retry-after"))
        if "json" in response.headers.get("content-type", ""):
            try:
                _harvest_secrets(response.json())
            except ValueError:
                pass
        self.exchanges.append(Exchange.from_response(response))
        return response

    def _bounded(
        self, method: str, url: str, headers: dict[str, str], kwargs: dict[str, Any], where: str
    ) -> httpx.Response:
        """The whole answer within ``response_seconds`` and ``max_response_bytes``: httpx's timeouts are per
        read, so a target sending a byte a second, or 50 MB, would otherwise hold the run."""
        deadline = time.monotonic() + self.limits.response_seconds
        cap = self.limits.max_response_bytes
        with self._http.stream(method, url, headers=headers, **kwargs) as streamed:
            declared = streamed.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cap:
                raise TargetUnavailable(
                    f"{where}: target unavailable (an answer of {int(declared):,} bytes, larger than {cap:,} bytes; "
                    "not read: raise limits.max_response_bytes if it is expected)"
                )
            raw: list[bytes] = []
            size = 0
            for chunk in streamed.iter_raw():
                size += len(chunk)
                if size > cap:
                    raise TargetUnavailable(
                        f"{where}: target unavailable (an answer larger than {cap:,} bytes; stopped reading: raise "
                        "limits.max_response_bytes if it is expected)"
                    )
                if time.monotonic() > deadline:
                    raise TargetUnavailable(
                        f"{where}: target unavailable (no complete answer within {self.limits.response_seconds:g} s)"
                    )
                raw.append(chunk)
            response = httpx.Response(
                streamed.status_code,
                headers=streamed.headers,
                stream=httpx.ByteStream(b"".join(raw)),
                request=streamed.request,
                extensions=streamed.extensions,
            )
        response.read()
        response.elapsed = streamed.elapsed  # set once the stream closed (Exchange reports it)
        return response
