"""The one redaction step: known secrets and secret-looking fields never survive into output."""

from __future__ import annotations

import base64

from apiconform.reporting.redaction import (
    MASK,
    redact_data,
    redact_headers,
    redact_text,
    redact_url,
    register_basic,
    register_secret,
)
from apiconform.targets.exchange import Exchange


def test_known_secret_is_masked_anywhere() -> None:
    register_secret("k9-very-secret-value")
    text = redact_text("error: Invalid client id or secret: k9-very-secret-value (try again)")
    assert "k9-very-secret-value" not in text and MASK in text


def test_basic_credentials_masked_in_base64_form() -> None:
    register_basic("endpoint-login", "pw-abcdef-123")
    encoded = base64.b64encode(b"endpoint-login:pw-abcdef-123").decode()
    assert encoded not in redact_text(f"Authorization: Basic {encoded}")


def test_unknown_bearer_token_in_text_is_masked() -> None:
    assert "abc.def.ghi123456" not in redact_text("Authorization: Bearer abc.def.ghi123456")


def test_challenge_header_keeps_its_meaning() -> None:
    headers = redact_headers({"WWW-Authenticate": 'Bearer realm="carrierx", error="invalid_token"'})
    assert headers["WWW-Authenticate"] == 'Bearer realm="carrierx", error="invalid_token"'


def test_secret_headers_masked_by_name() -> None:
    headers = redact_headers(
        {"client_secret": "x", "X-Chorus-Client-Secret": "y", "Authorization": "z", "client_id": "visible-id"}
    )
    assert headers == {
        "client_secret": MASK,
        "X-Chorus-Client-Secret": MASK,
        "Authorization": MASK,
        "client_id": "visible-id",
    }


def test_token_response_body_masked_by_key() -> None:
    body = {
        "access_token": "tok-unseen-before-1",
        "refresh_token": "r-unseen",
        "token_type": "bearer",
        "items": [{"properties": {"password": "p-unseen", "login": "l"}}],
    }
    redacted = redact_data(body)
    assert redacted["access_token"] == MASK and redacted["refresh_token"] == MASK
    assert redacted["items"][0]["properties"] == {"password": MASK, "login": "l"}
    assert redacted["token_type"] == "bearer"


def test_query_and_form_secrets_masked() -> None:
    assert "p4ss" not in redact_url("https://h/x?password=p4ss&user=u")
    assert "p4ss" not in redact_text("grant_type=password&username=u&password=p4ss")


def test_exchange_renders_redacted_request_response_and_curl() -> None:
    exchange = Exchange(
        method="POST",
        url="http://127.0.0.1:1/oauth/token",
        request_headers={
            "content-type": "application/x-www-form-urlencoded",
            "authorization": "Basic Zm9vOmJhcg==",
        },
        request_body=b"grant_type=password&username=u&password=form-secret-9",
        status=200,
        response_headers={"content-type": "application/json"},
        response_body=b'{"access_token": "issued-token-77", "token_type": "bearer"}',
        elapsed_ms=1.0,
    )
    rendered = exchange.request_text() + exchange.response_text() + exchange.curl()
    for secret in ("form-secret-9", "issued-token-77", "Zm9vOmJhcg=="):
        assert secret not in rendered
    assert "token_type" in rendered and "curl -X POST" in rendered


def test_token_type_and_ids_are_not_masked_but_tokens_are() -> None:
    text = '{"token_type": "Bearer", "token_sid": "ZQ7XK2W9VB", "access_token": "TK8PL3MR6QHN"}'
    redacted = redact_text(text)
    assert '"token_type": "Bearer"' in redacted and '"token_sid": "ZQ7XK2W9VB"' in redacted
    assert "TK8PL3MR6QHN" not in redacted
