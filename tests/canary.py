"""Canary scanning: look for known secret values, in every form a writer may use, in every output of a run.

Reusable: ``canary_forms`` says what a leak of one value looks like (plain, base64 standard and URL-safe with
and without padding, Basic ``user:password``, URL-encoded, JSON-escaped, HTML-escaped, and the 8-character
prefix and suffix a truncation leaves), ``scan`` looks for all of them in files and captured texts, and
``Canaries`` gathers the values from a sandbox started in this process (its manifest, the applications and
logins it created or rotated during the run, and every token it answered, seen by ``TokenTap``). A hostile
target's echo mode can add its own canaries with ``Canaries.add``.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

FRAGMENT = 8
_ISSUED = re.compile(rb'"(access_token|refresh_token|id_token|client_secret|password)"\s*:\s*"([^"\\]{6,})"')


def canary_forms(value: str, username: str | None = None) -> dict[str, str]:
    """Every written form of ``value`` that counts as a leak, by name (duplicates collapse)."""
    raw = value.encode("utf-8")
    forms = {
        "plain": value,
        "base64": base64.b64encode(raw).decode(),
        "base64-unpadded": base64.b64encode(raw).decode().rstrip("="),
        "base64-urlsafe": base64.urlsafe_b64encode(raw).decode(),
        "base64-urlsafe-unpadded": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "url-encoded": quote(value, safe=""),
        "url-encoded-plus": quote_plus(value),
        "json-escaped": json.dumps(value)[1:-1],
        "json-escaped-slash": json.dumps(value)[1:-1].replace("/", "\\/"),
        "html-escaped": html.escape(value),
        f"prefix-{FRAGMENT}": value[:FRAGMENT],
        f"suffix-{FRAGMENT}": value[-FRAGMENT:],
    }
    if username is not None:
        pair = f"{username}:{value}".encode()
        forms |= {
            "basic": base64.b64encode(pair).decode(),
            "basic-urlsafe": base64.urlsafe_b64encode(pair).decode(),
            "basic-unpadded": base64.b64encode(pair).decode().rstrip("="),
        }
    return {name: form for name, form in forms.items() if len(form) >= FRAGMENT}


@dataclass(frozen=True)
class Hit:
    where: str
    canary: str  # a label, never the value
    form: str


@dataclass
class ScanResult:
    files: int = 0
    bytes: int = 0
    needles: int = 0
    hits: list[Hit] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"scanned {self.files} files and texts, {self.bytes} bytes, {self.needles} needles: {len(self.hits)} hit(s)"
        )


@dataclass
class Canaries:
    """Labelled secret values (label -> value, and the username of a Basic pair when there is one)."""

    values: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    def add(self, label: str, value: str, username: str | None = None) -> None:
        if value and len(value) >= FRAGMENT:
            self.values.setdefault(label, (value, username))

    def needles(self) -> dict[str, tuple[str, str]]:
        """needle -> (canary label, form name)."""
        out: dict[str, tuple[str, str]] = {}
        for label, (value, username) in self.values.items():
            for form, needle in canary_forms(value, username).items():
                out.setdefault(needle, (label, form))
        return out

    def from_manifest(self, manifest: Any) -> Canaries:
        for env, roles in manifest.credentials.items():
            for role, credential in roles.items():
                for key in ("client_secret", "password"):
                    if key in credential:
                        self.add(f"{env}/{role}/{key}", credential[key], credential.get("username"))
        for role, login in manifest.portal_credentials.items():
            self.add(f"portal/{role}/password", login["password"], login["username"])
        return self

    def from_state(self, state: Any) -> Canaries:
        """Applications registered and secrets rotated during the run (the sandbox's own memory)."""
        for app in list(state.apps.values()):
            self.add(f"app {app.name}/client_secret", app.client_secret)
            for index, retired in enumerate(app.retired_secrets):
                self.add(f"app {app.name}/retired_secret[{index}]", retired)
        for role, (login, password) in state.portal_users.items():
            self.add(f"portal/{role}/password", password, login)
        return self

    def from_issued(self, issued: Iterable[tuple[str, str]]) -> Canaries:
        """(field, value) pairs a ``TokenTap`` saw in the sandbox's answers."""
        for index, (key, value) in enumerate(sorted(issued)):
            self.add(f"answered {key} #{index}", value)
        return self


class TokenTap:
    """Pure ASGI middleware keeping every secret value the sandbox put in a JSON answer (tokens, secrets), and
    the first 4 KB of every error answer (to prove a defect really echoed a secret)."""

    def __init__(self, app: Any, issued: set[tuple[str, str]], errors: list[bytes] | None = None) -> None:
        self.app, self.issued, self.errors = app, issued, errors if errors is not None else []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = bytearray()
        status = 0

        async def tapping_send(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and len(body) < 1 << 20:
                body.extend(message.get("body", b""))
                if not message.get("more_body"):
                    for key, value in _ISSUED.findall(bytes(body)):
                        self.issued.add((key.decode(), value.decode("utf-8", errors="replace")))
                    if status >= 400:
                        self.errors.append(bytes(body[:4096]))
            await send(message)

        await self.app(scope, receive, tapping_send)


def scan(roots: Iterable[Path], canaries: Canaries, texts: Mapping[str, str] | None = None) -> ScanResult:
    """Every file under ``roots`` (any suffix, binary ones decoded leniently) and every captured text."""
    needles = canaries.needles()
    result = ScanResult(needles=len(needles))

    def look(where: str, text: str) -> None:
        result.files += 1
        result.bytes += len(text.encode("utf-8", errors="replace"))
        variants = {text, html.unescape(text)}
        for needle, (label, form) in needles.items():
            if any(needle in variant for variant in variants):
                result.hits.append(Hit(where, label, form))

    for root in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            look(str(path), path.read_bytes().decode("utf-8", errors="replace"))
    for where, text in (texts or {}).items():
        look(where, text)
    return result
