"""Redaction that holds: every form of a known secret, fragments, names, token shapes, and linear patterns."""

from __future__ import annotations

import base64
import importlib
import json
import re
import secrets
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from apiconform.contracts.loader import ApiDocument
from apiconform.contracts.secret_fields import document_secret_fields
from apiconform.reporting import redaction
from apiconform.reporting.redaction import (
    MASK,
    is_secret_name,
    redact_data,
    redact_headers,
    redact_known,
    redact_text,
    redact_url,
    register_basic,
    register_secret,
    register_secret_fields,
)


def _secret(extra: str = "") -> str:
    """A fresh secret (registered state is process-wide, so every test makes its own)."""
    value = secrets.token_urlsafe(24) + extra
    register_secret(value)
    return value


SPECIAL = '/+:"\\ &?=é'  # characters every encoding treats differently


def _forms(value: str) -> dict[str, str]:
    raw = value.encode()
    return {
        "plain": value,
        "base64": base64.b64encode(raw).decode(),
        "base64-unpadded": base64.b64encode(raw).decode().rstrip("="),
        "base64-urlsafe": base64.urlsafe_b64encode(raw).decode(),
        "base64-urlsafe-unpadded": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "quote": quote(value),
        "quote-nothing-safe": quote(value, safe=""),
        "quote_plus": quote_plus(value),
        "quote-lower-hex": re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(value, safe="")),
        "json": json.dumps(value)[1:-1],
        "json-ascii-off": json.dumps(value, ensure_ascii=False)[1:-1],
        "json-escaped-slash": json.dumps(value)[1:-1].replace("/", "\\/"),
        "json-twice": json.dumps(json.dumps(value))[1:-1],
    }


@pytest.mark.parametrize("form", list(_forms("x")))
def test_every_form_of_a_known_secret_is_masked(form: str) -> None:
    value = _secret(SPECIAL)
    written = _forms(value)[form]
    for text in (written, f"error: {written} (again)", f'{{"message": "{written}"}}'):
        redacted = redact_text(text)
        assert written not in redacted and MASK in redacted, (form, redacted)


def test_base64_of_a_secret_inside_a_larger_payload_is_masked_at_any_offset() -> None:
    value = _secret()
    for prefix in ("", "a", "ab", "abc:", "some-user:"):
        encoded = base64.b64encode(f"{prefix}{value}".encode()).decode()
        redacted = redact_text(f"Authorization: Basic {encoded}")
        # the characters that depend on the secret alone are gone: nothing of 12 or more survives
        assert not any(encoded[i : i + 12] in redacted for i in range(len(encoded) - 11)), (prefix, redacted)


def test_basic_user_password_masked_in_every_base64_variant() -> None:
    password = secrets.token_urlsafe(12)
    register_basic("endpoint-user", password)
    pair = f"endpoint-user:{password}".encode()
    for encoded in (
        base64.b64encode(pair).decode(),
        base64.b64encode(pair).decode().rstrip("="),
        base64.urlsafe_b64encode(pair).decode(),
        base64.urlsafe_b64encode(pair).decode().rstrip("="),
    ):
        assert encoded not in redact_text(f"sent {encoded} twice: {encoded}")
    assert password not in redact_text(f"password was {password}")


@pytest.mark.parametrize("cut", [8, 12, 20, 31])
def test_a_secret_cut_by_truncation_leaves_no_prefix(cut: int) -> None:
    value = _secret()
    message = f'401 {{"error": "bad client", "echo": "{value}"}}'
    truncated = message[: message.index(value) + cut]  # what text[:N] leaves mid-secret
    assert value[:cut] not in redact_text(truncated)
    assert value[:cut] not in redact_text(truncated + "…")
    assert value[:cut] not in redact_text(truncated + " and more text after the cut")


@pytest.mark.parametrize("cut", [8, 12, 20])
def test_a_secret_cut_from_the_front_leaves_no_suffix(cut: int) -> None:
    value = _secret()
    tail = value[-cut:] + " end of the body"  # what text[-N:] leaves
    assert value[-cut:] not in redact_text(tail)
    assert value[-cut:] not in redact_text("..." + tail)


def test_short_secrets_lose_half_at_a_truncation_boundary_only() -> None:
    value = "Zq7" + secrets.token_hex(3) + "wX"  # 11 characters: fragments of 6+ at a boundary
    register_secret(value)
    assert value[:6] not in redact_text("echo: " + value[:6])
    assert value[:6] not in redact_text("echo: " + value[:6] + "...")
    assert value[-6:] not in redact_text(value[-6:] + " was the end")
    assert redact_text(value[:6] + " in the middle of text") == value[:6] + " in the middle of text"
    assert value not in redact_text(f"the full {value} anywhere")


def test_known_pass_is_one_pass_and_masks_overlapping_secrets_whole() -> None:
    first = _secret()
    second = first[-10:] + secrets.token_urlsafe(12)  # starts inside the first
    register_secret(second)
    text = first + second[10:]
    redacted = redact_known(f"<{text}>")
    assert redacted == f"<{MASK}>"


def test_userinfo_password_is_masked_in_any_text() -> None:
    text = "cannot reach https://user:pa55word@host.example/api and postgres://admin:s3cr3t-pw@db:5432/x"
    redacted = redact_text(text)
    assert "pa55word" not in redacted and "s3cr3t-pw" not in redacted
    assert "https://user:[REDACTED]@host.example/api" in redacted
    assert "postgres://admin:[REDACTED]@db:5432/x" in redacted
    assert redact_url("https://bob:hunter22@h.example/x?a=1") == "https://bob:[REDACTED]@h.example/x?a=1"
    assert redact_text("see https://host.example:8443/path@v2") == "see https://host.example:8443/path@v2"
    assert "p@ss" not in redact_text("https://user:p@ss@host.example/")


def test_redaction_is_idempotent() -> None:
    value = _secret(SPECIAL)
    text = (
        f'{{"password": "{value}", "note": "{value[:12]}"}} Basic {base64.b64encode(value.encode()).decode()} '
        f"https://u:pw-123456@h/ key=abc {secrets.token_urlsafe(40)} {value[:9]}"
    )
    once = redact_text(text)
    assert redact_text(once) == once
    assert value[:8] not in once


SECRET_NAMES = [
    "sessionId",
    "session_id",
    "session",
    "sid",
    "refresh",
    "access",
    "key",
    "api_key",
    "apikey",
    "apiKey",
    "x-api-key",
    "X-Api-Key",
    "access_key",
    "private_key",
    "Ocp-Apim-Subscription-Key",
    "auth",
    "basic_auth",
    "jwt",
    "bearer",
    "x-session",
    "access_token",
    "refresh_token",
    "client_secret",
    "password",
    "Cookie",
]
NOT_SECRET_NAMES = [
    "token_type",
    "token_sid",
    "partner_sid",
    "monkey",
    "keyboard",
    "keyId",
    "idempotency_key",
    "sessions",
    "auth-defect",
    "author",
    "date_expiration_access_token",
    "refresh_token_expires_in",
    "www-authenticate",
    "client_id",
    "login",
    "bearer_challenge_without_error_code",
    "TargetSession",
    "tokenUrl",
]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_secret_names_are_masked_in_json_text_and_headers(name: str) -> None:
    value = "v-" + secrets.token_hex(4)  # never registered: only the name can mask it
    assert is_secret_name(name)
    assert redact_data({name: value, "other": "kept"}) == {name: MASK, "other": "kept"}
    assert value not in redact_text(json.dumps({name: value}))
    assert value not in redact_text(f"{name}={value}&next=1")
    assert redact_headers({name: value}) == {name: MASK}


@pytest.mark.parametrize("name", NOT_SECRET_NAMES)
def test_identifiers_and_ordinary_words_are_not_secret_names(name: str) -> None:
    assert not is_secret_name(name)
    assert redact_data({name: "visible-value"}) == {name: "visible-value"}
    assert redact_text(json.dumps({name: "visible-value"})) == json.dumps({name: "visible-value"})


def test_token_response_keeps_its_identifiers() -> None:
    body = {"token_type": "bearer", "token_sid": "ZQ7XK2W9VB", "partner_sid": "p-123", "access_token": "t-1234567"}
    text = redact_text(json.dumps(body))
    for kept in ('"token_type": "bearer"', '"token_sid": "ZQ7XK2W9VB"', '"partner_sid": "p-123"'):
        assert kept in text
    assert "t-1234567" not in text


def test_jwt_is_masked_anywhere() -> None:
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    payload = base64.urlsafe_b64encode(b'{"sub":"1234567890","name":"x"}').decode().rstrip("=")
    jwt = f"{header}.{payload}.{secrets.token_urlsafe(32)}"
    redacted = redact_text(f"got {jwt}. then more")
    assert redacted == f"got {MASK}. then more"
    unsigned = f"{header}.{payload}."
    assert payload not in redact_text(f"x {unsigned} y")


def test_long_token_like_runs_are_masked() -> None:
    for token in (
        secrets.token_urlsafe(32),
        base64.b64encode(secrets.token_bytes(40)).decode(),
        secrets.token_hex(40),
        secrets.token_hex(200),
    ):
        assert token not in redact_text(f"value {token} end"), token


def test_identifiers_reports_need_survive() -> None:
    survivors = [
        str(uuid.uuid4()),  # node ids, Allure uuids
        uuid.uuid4().hex,  # client ids, Allure history ids (md5)
        "d88d2b01eeab",  # schemas fingerprint in environment.properties
        "schemas=40 files, version d88d2b01eeab",
        "test_api_key_credentials_refused_lookupEndCustomer_200",
        "suites/test_auth.py::test_api_key_credentials_refused[att-end-customer-lookup:lookupEndCustomer:sandbox]",
        "/tmp/pytest-of-root/pytest-12/test_canary_scan0/reports/allure-results",
        "a monkey on a keyboard",
        "auth-defect: 16, lifecycle-defect: 4",
        'WWW-Authenticate: Bearer realm="carrierx", error="invalid_token"',
    ]
    for text in survivors:
        assert redact_text(text) == text, text


def test_contract_marked_fields_are_masked_by_name() -> None:
    name = "pinCode" + secrets.token_hex(2)
    assert not is_secret_name(name)
    register_secret_fields([name])
    assert is_secret_name(name)
    assert redact_data({name: "1234", "items": [{name: "5678"}]}) == {name: MASK, "items": [{name: MASK}]}
    assert "9876" not in redact_text(json.dumps({name: "9876"}))


def test_secret_fields_are_collected_from_contract_documents() -> None:
    schema = {
        "type": "object",
        "properties": {
            "login": {"type": "string"},
            "passcode": {"type": "string", "format": "password"},
            "pin": {"type": "string", "writeOnly": True},
            "nested": {"type": "object", "properties": {"vault": {"type": "string", "x-apiconform-secret": True}}},
        },
    }
    raw: dict[str, Any] = {
        "openapi": "3.1.0",
        "paths": {
            "/x": {
                "post": {
                    "parameters": [{"name": "otp", "in": "query", "schema": {"type": "string", "format": "password"}}],
                    "requestBody": {"content": {"application/json": {"schema": schema}}},
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
        "components": {
            "securitySchemes": {
                "id": {"type": "apiKey", "in": "header", "name": "X-Id"},
                "key": {"type": "apiKey", "in": "header", "name": "X-Vault-Pass", "x-apiconform-secret": True},
            }
        },
    }
    document = ApiDocument("example", "example", Path("example.openapi.json"), raw, raw)
    assert document_secret_fields(document) == {"passcode", "pin", "vault", "otp", "X-Vault-Pass"}


# -- linearity: the structure of every pattern -------------------------------------------------------------
# the parser behind ``re`` (public as sre_parse before 3.11, deprecated since)
sre_constants: Any = importlib.import_module("re._constants")
sre_parse: Any = importlib.import_module("re._parser")

REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, getattr(sre_constants, "POSSESSIVE_REPEAT", None)}
BOUNDED = 256  # a repeat anything can follow is bounded by a small constant


def _module_patterns() -> list[re.Pattern[str]]:
    found: list[re.Pattern[str]] = []

    def collect(value: Any) -> None:
        if isinstance(value, re.Pattern):
            found.append(value)
        elif isinstance(value, tuple | list):
            for item in value:
                collect(item)

    for value in vars(redaction).values():
        collect(value)
    return found


def _problems(parsed: Any, where: str) -> list[str]:
    return _walk(list(parsed), True, False, where)


def _walk(items: list[Any], tail: bool, inside_repeat: bool, where: str) -> list[str]:
    """Rules: no repeat inside a repeat; a repeated item is at most two characters wide; an unbounded repeat
    only where nothing that can fail follows it (only optional items), never in a look-around; any other
    repeat bounded by 256. Then a failed attempt at one position costs a bounded number of steps, and a
    successful one consumes what it scanned: linear."""
    out: list[str] = []
    for index, (op, av) in enumerate(items):
        rest = items[index + 1 :]
        here_tail = tail and all(o in REPEATS and a[0] == 0 for o, a in rest)  # only optional items follow
        if op in REPEATS:
            high, body = av[1], av[2]
            if inside_repeat:
                out.append(f"{where}: nested quantifier")
            if body.getwidth()[1] > 2:
                out.append(f"{where}: repeated item wider than two characters")
            if high == sre_constants.MAXREPEAT and not here_tail:
                out.append(f"{where}: unbounded repeat followed by something that can fail")
            if high != sre_constants.MAXREPEAT and high > BOUNDED and not here_tail:
                out.append(f"{where}: repeat bound {high} > {BOUNDED} before something that can fail")
            out += _walk(list(body), False, True, where)
        elif op is sre_constants.SUBPATTERN:
            out += _walk(list(av[-1]), here_tail, inside_repeat, where)
        elif op is sre_constants.BRANCH:
            for alternative in av[1]:
                out += _walk(list(alternative), here_tail, inside_repeat, where)
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            out += _walk(list(av[1]), False, inside_repeat, where)
    return out


def test_every_pattern_of_the_module_is_linear_by_construction() -> None:
    patterns = _module_patterns()
    assert len(patterns) >= 8, "the patterns of the module were not found"
    problems = [
        p for pattern in patterns for p in _problems(sre_parse.parse(pattern.pattern, pattern.flags), pattern.pattern)
    ]
    assert problems == []


def test_the_structure_check_catches_the_old_quadratic_pattern() -> None:
    old = r"""(?i)(["']?[\w-]*(?:secret|password|token|authorization)[\w-]*["']?\s*[:=]\s*)(["'])(?:(?!\2).)+\2"""
    nested = r"(?:a+)+b"
    for source in (old, nested):
        assert _problems(sre_parse.parse(source), source), source


def test_a_long_token_like_string_is_masked_quickly() -> None:
    """Not a timing test: 400 KB through every pass must simply finish (the old pattern took minutes at 40 KB)."""
    text = ("ab1-" * 100_000) + " password=" + "Xy9_" * 1000
    redacted = redact_text(text)
    assert "password=[REDACTED]" in redacted
