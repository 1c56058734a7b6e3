"""The one redaction step every output goes through: terminal, logs, Allure, JUnit, cassettes.

Two nets: values we know are secret (registered when credentials are loaded or tokens issued) are
replaced wherever they appear, in any encoding we send them (plain, Basic base64); and values under
secret-looking names (headers, JSON keys, query and form fields) are masked even when we never saw
them before, e.g. a token in a token response or a secret a defective server echoes in a new field.
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "[REDACTED]"
SECRET_NAME = re.compile(
    r"(secret|password|passwd|pwd|token|authorization|api[-_]?key|cookie|credential|voip_token)",
    re.IGNORECASE,
)
_INLINE = [
    # Authorization / WWW-Authenticate style values: "Basic xxx", "Bearer xxx"
    re.compile(r"(?i)\b(basic|bearer)\s+[A-Za-z0-9._~+/=-]{8,}"),
    # JSON or repr "key": "value" for secret-looking keys
    re.compile(
        r"""(?i)(["']?[\w-]*(?:secret|password|token|authorization)[\w-]*["']?\s*[:=]\s*)(["'])(?:(?!\2).)+\2"""
    ),
    # form / query key=value
    re.compile(r"(?i)\b([\w-]*(?:secret|password|token)[\w-]*=)[^&\s\"']+"),
]
_MIN_SECRET_LENGTH = 6

_lock = threading.Lock()
_known: set[str] = set()


def register_secret(value: str) -> None:
    """Remember a secret value (and its encodings) so every later output masks it."""
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    with _lock:
        _known.add(value)


def register_basic(username: str, password: str) -> None:
    register_secret(password)
    register_secret(base64.b64encode(f"{username}:{password}".encode()).decode())


def known_secrets() -> frozenset[str]:
    with _lock:
        return frozenset(_known)


def redact_text(text: str) -> str:
    """Mask known secret values, then secret-looking inline patterns."""
    if not text:
        return text
    for value in sorted(known_secrets(), key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    text = _INLINE[0].sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _INLINE[1].sub(
        lambda m: m.group(0) if _identifier(m.group(1)) else f"{m.group(1)}{m.group(2)}{MASK}{m.group(2)}", text
    )
    return _INLINE[2].sub(lambda m: m.group(0) if _identifier(m.group(1)) else f"{m.group(1)}{MASK}", text)


def _identifier(key_part: str) -> bool:
    """``"token_type": `` and the like name identifiers, not secrets (NOT_SECRET)."""
    return key_part.strip().rstrip(":=").strip().strip("\"'").lower() in NOT_SECRET


NOT_SECRET = frozenset({"token_type", "token_sid", "token_endpoint", "www-authenticate"})


def is_secret_name(name: str) -> bool:
    """Names that carry credentials; ``token_type`` and ``token_sid`` are identifiers, not secrets."""
    return name.lower() not in NOT_SECRET and bool(SECRET_NAME.search(name))


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Mask every header whose name looks secret (Authorization, X-Chorus-Client-Secret, client_secret...)."""
    return {k: (MASK if is_secret_name(k) else redact_text(v)) for k, v in headers.items()}


def redact_data(data: Any) -> Any:
    """A copy of decoded JSON (or form fields) with secret-named keys masked and strings scrubbed."""
    if isinstance(data, Mapping):
        return {k: (MASK if is_secret_name(str(k)) and v is not None else redact_data(v)) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [redact_data(v) for v in data]
    if isinstance(data, str):
        return redact_text(data)
    return data


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return redact_text(url)
    query = [(k, MASK if is_secret_name(k) else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return redact_text(urlunsplit(parts._replace(query=urlencode(query, safe="[]"))))
