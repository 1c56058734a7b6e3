"""A recorded HTTP exchange, rendered only through the redaction step (for attachments and messages)."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

import httpx

from apiconform.reporting.redaction import redact_data, redact_headers, redact_text, redact_url


def _body_text(content: bytes, content_type: str) -> str:
    if not content:
        return ""
    text = content.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            return json.dumps(redact_data(json.loads(text)), indent=2)
        except json.JSONDecodeError:
            return redact_text(text)
    if "x-www-form-urlencoded" in content_type:
        return redact_url("?" + text)[1:]
    return redact_text(text)


@dataclass(frozen=True)
class Exchange:
    """One request and its response, as sent and received; never rendered unredacted."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int | None
    response_headers: dict[str, str]
    response_body: bytes
    elapsed_ms: float

    @classmethod
    def from_response(cls, response: httpx.Response) -> Exchange:
        request = response.request
        return cls(
            method=request.method,
            url=str(request.url),
            request_headers=dict(request.headers.items()),
            request_body=request.content,
            status=response.status_code,
            response_headers=dict(response.headers.items()),
            response_body=response.content,
            elapsed_ms=response.elapsed.total_seconds() * 1000 if response.is_closed else 0.0,
        )

    def request_text(self) -> str:
        headers = "\n".join(f"{k}: {v}" for k, v in redact_headers(self.request_headers).items())
        body = _body_text(self.request_body, self.request_headers.get("content-type", ""))
        return f"{self.method} {redact_url(self.url)}\n{headers}\n\n{body}".rstrip() + "\n"

    def response_text(self) -> str:
        headers = "\n".join(f"{k}: {v}" for k, v in redact_headers(self.response_headers).items())
        body = _body_text(self.response_body, self.response_headers.get("content-type", ""))
        return f"HTTP {self.status}\n{headers}\n\n{body}".rstrip() + "\n"

    def curl(self) -> str:
        """A reproduction with secrets masked: the reader substitutes their own credentials."""
        parts = ["curl", "-X", self.method, redact_url(self.url)]
        skip = {"host", "content-length", "accept-encoding", "connection", "user-agent", "accept"}
        for key, value in redact_headers(self.request_headers).items():
            if key.lower() not in skip:
                parts += ["-H", f"{key}: {value}"]
        body = _body_text(self.request_body, self.request_headers.get("content-type", ""))
        if body:
            parts += ["--data-raw", body]
        return " ".join(shlex.quote(p) for p in parts) + "\n"
