"""Authentication rules: who is refused, with which status, challenge and body, and what never leaks.

The rules here are the standards' (RFC 9110 15.5.2: a 401 carries a ``WWW-Authenticate`` challenge; RFC 6750
3/3.1: Bearer challenges, ``invalid_token``, ``insufficient_scope``, no error code when no token was sent;
RFC 6749 5.1/5.2: token responses are ``no-store``, a failed client authentication is ``invalid_client``;
RFC 7617 2: Basic challenges need a realm). What a vendor documents on top (its challenge, its error body,
a 403 for an application without a contract) is read from the operation's documented response and cited
with that response's ``x-source``. Every function raises ``ContractViolation(Category.AUTH, ...)``.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from jsonschema import Draft202012Validator

from apiconform.checks.failures import Category, ContractViolation, breach
from apiconform.checks.graded import (
    Breach,
    documented_response,
    report_breaches,
    response_links,
    rooted,
    schema_breaches,
    summary,
)
from apiconform.contracts.grades import Grade, grade_of_source, node_grade, weakest
from apiconform.reporting.redaction import redact_text
from apiconform.targets.session import Operation

JSON = dict[str, Any]

RFC9110_401 = 'RFC 9110 15.5.2: "The server generating a 401 response MUST send a WWW-Authenticate header field"'
RFC9110_401_MEANING = 'RFC 9110 15.5.2: 401 "lacks valid authentication credentials for the target resource"'
RFC6750_31 = "RFC 6750 3.1"
RFC6750_3_SCHEME = 'RFC 6750 3: "MUST include the WWW-Authenticate response header field" with the Bearer scheme'
RFC6750_3_ERROR = 'RFC 6750 3: "the resource server SHOULD include the error attribute"'
RFC6750_31_STATUS = (
    'RFC 6750 3.1: invalid_token "SHOULD respond with the HTTP 401"; insufficient_scope "SHOULD ... 403"'
)
RFC6749_51 = 'RFC 6749 5.1: "MUST include the HTTP Cache-Control response header field with a value of no-store"'
RFC6749_52 = 'RFC 6749 5.2: invalid_client / invalid_grant; "MUST respond with an HTTP 401" after Basic client auth'
OWASP_API8 = "OWASP API Security Top 10 2023, API8 (security misconfiguration: secrets in error messages)"
REFUSED = (401, 403)
_PARAM = re.compile(r'([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))')


def _violation(
    check: str,
    message: str,
    op: Operation,
    response: httpx.Response | None = None,
    documented: Any = None,
    source: str | None = None,
    grade: Grade | None = None,
) -> ContractViolation:
    received = None if response is None else f"{response.status_code} {_snippet(response)}"
    return ContractViolation(
        Category.AUTH,
        check,
        message,
        received=received,
        documented=documented,
        source=source,
        operation=op.label,
        grade=grade,
    )


def _snippet(response: httpx.Response, limit: int = 300) -> str:
    challenge = response.headers.get("www-authenticate")
    head = f"WWW-Authenticate: {challenge!r} " if challenge is not None else ""
    return redact_text(head + response.text)[:limit]  # masked first: a cut must not leave half a secret


# -- the contract document -------------------------------------------------------------------------------
def resolve(bundled: JSON, node: Any) -> Any:
    """Follow local ``$ref``s (``#/components/...``) of a bundled OpenAPI document."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        target: Any = bundled
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node, seen = target, seen + 1
    return node


def documented_header(bundled: JSON, op: Operation, status: int, name: str) -> JSON | None:
    """The documented header object (``required``, ``schema``) of a response, ``$ref`` resolved."""
    response = documented_response(bundled, op, status) or {}
    for key, header in response.get("headers", {}).items():
        if key.lower() == name.lower():
            resolved: JSON = resolve(bundled, header)
            return resolved
    return None


def parse_challenge(value: str) -> tuple[str, dict[str, str]]:
    """The auth scheme and auth-params of one challenge (RFC 9110 11.3), e.g. ``Bearer error="..."``."""
    scheme, _, rest = value.strip().partition(" ")
    params = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3) for m in _PARAM.finditer(rest)}
    return scheme, params


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


# -- status rules ----------------------------------------------------------------------------------------
def _expect_status(check: str, response: httpx.Response, op: Operation, expected: int, what: str, source: str) -> None:
    """Served at all is a broken security requirement (standard); refused with another status than the one
    documented is as strong as that documentation (the documented response's grade, else the RFC's)."""
    if response.status_code == expected:
        return
    grade = Grade.STANDARD  # served at all
    if response.status_code in REFUSED:
        documented = op.raw.get("responses", {}).get(str(expected))
        grade = node_grade(documented, "status") or grade_of_source(source.split("; ")[-1])
    breach(
        _violation(
            check,
            f"{what}: answered {response.status_code} instead of {expected}",
            op,
            response,
            documented=f"{expected}",
            source=source,
            grade=grade,
        )
    )


def response_source(op: Operation, status: int, default: str) -> str:
    """The documented response's ``x-source`` (the vendor's own words), else the standard's rule."""
    found = op.raw.get("responses", {}).get(str(status)) or {}
    source = found.get("x-source") if isinstance(found, dict) else None
    return f"{source}; {default}" if source else default


def missing_credentials_are_refused(response: httpx.Response, op: Operation, what: str) -> None:
    """No (or incomplete, or empty) credentials must be 401: the gateway refuses before the API answers."""
    source = response_source(op, 401, RFC9110_401_MEANING)
    _expect_status("missing_credentials_are_refused", response, op, 401, what, source)


def invalid_credentials_are_refused(response: httpx.Response, op: Operation, what: str) -> None:
    """Malformed, unknown or nearly-right credentials must be 401: a sloppy comparison lets them through."""
    source = response_source(op, 401, RFC9110_401_MEANING)
    _expect_status("invalid_credentials_are_refused", response, op, 401, what, source)


def wrong_secret_is_refused(
    response: httpx.Response, op: Operation, what: str = "a valid id with a wrong secret"
) -> None:
    """A valid id with a wrong secret is 401: a gateway that only checks the id is open to anyone who saw an
    id (ids are not secret; schemathesis never sends this combination)."""
    source = response_source(op, 401, RFC9110_401_MEANING)
    _expect_status("wrong_secret_is_refused", response, op, 401, what, source)


def no_contract_is_forbidden(response: httpx.Response, op: Operation) -> None:
    """Valid credentials of an application without an access contract for this API are 403, as documented."""
    source = response_source(op, 403, 'RFC 9110 15.5.4: 403 "understood the request but refuses to fulfill it"')
    _expect_status(
        "no_contract_is_forbidden",
        response,
        op,
        403,
        "valid credentials of an application without a contract for this API",
        source,
    )


def valid_credentials_are_accepted(response: httpx.Response, op: Operation, role: str) -> None:
    """Positive control: if valid credentials are refused, every negative result of the matrix is void."""
    if response.status_code in REFUSED:
        breach(
            _violation(
                "valid_credentials_are_accepted",
                f"valid credentials of role {role!r} were refused with {response.status_code}",
                op,
                response,
                documented="any status but 401/403",
                source="the operation's security requirement (OpenAPI document)",
            )
        )


# -- challenges ------------------------------------------------------------------------------------------
def challenge_header_present(
    response: httpx.Response, bundled: JSON, op: Operation, required: bool = True
) -> str | None:
    """A 401 carries ``WWW-Authenticate`` (RFC 9110) whose value the contract documents (schema)."""
    value = response.headers.get("www-authenticate")
    header = documented_header(bundled, op, response.status_code, "WWW-Authenticate")
    if value is None:
        if required or (header is not None and header.get("required")):
            grade = Grade.STANDARD if required else node_grade(header, "required", Grade.DOCUMENTED)
            breach(
                _violation(
                    "challenge_header_present",
                    f"a {response.status_code} without a challenge",
                    op,
                    response,
                    documented=_documented_value(header),
                    source=RFC9110_401 if required else str((header or {}).get("x-source", RFC9110_401)),
                    grade=grade,
                )
            )
        return None
    value = str(value)
    schema = (header or {}).get("schema")
    if schema is not None and not Draft202012Validator(schema).is_valid(value):
        breach(
            _violation(
                "challenge_header_present",
                "the challenge is not the documented one",
                op,
                response,
                documented=_documented_value(header),
                source=str((header or {}).get("x-source", RFC9110_401)),
                grade=weakest([node_grade(header, "default"), node_grade(schema, "default")]),
            )
        )
    return value


def _documented_value(header: JSON | None) -> str:
    schema = (header or {}).get("schema", {})
    return str(schema.get("const") or schema.get("pattern") or "WWW-Authenticate: <scheme> ...")


def bearer_challenge_without_error_code(response: httpx.Response, bundled: JSON, op: Operation) -> None:
    """RFC 6750 3.1: "If the request lacks any authentication information ... the resource server SHOULD
    NOT include an error code"; the scheme must still be Bearer."""
    value = challenge_header_present(response, bundled, op)
    if value is None:
        return
    scheme, params = parse_challenge(value)
    if scheme.lower() != "bearer":
        breach(
            _violation(
                "bearer_challenge_without_error_code",
                f"a request without a token got a {scheme or 'blank'} challenge, not a Bearer one",
                op,
                response,
                documented='Bearer realm="..."',
                source=RFC6750_3_SCHEME,
            )
        )
    elif "error" in params:
        breach(
            _violation(
                "bearer_challenge_without_error_code",
                "a request without a token got a Bearer challenge with an error code",
                op,
                response,
                documented='Bearer realm="..." (no error attribute)',
                source=RFC6750_31 + ': "SHOULD NOT include an error code"',
            )
        )


def invalid_token_is_refused(response: httpx.Response, bundled: JSON, op: Operation, what: str) -> None:
    """A garbage, revoked or expired token is 401 with ``error="invalid_token"`` in challenge and body."""
    _expect_status("invalid_token_is_refused", response, op, 401, what, RFC6750_31)
    _bearer_error("invalid_token_is_refused", response, bundled, op, "invalid_token")


def insufficient_scope_is_forbidden(response: httpx.Response, bundled: JSON, op: Operation, scope: str) -> None:
    """A token without the operation's scope is 403 ``insufficient_scope`` (Using the REST API: "not authorized to
    make a specific request"; RFC 6750 3.1), in the challenge and in the body."""
    _expect_status(
        "insufficient_scope_is_forbidden",
        response,
        op,
        403,
        f"a token with only the scope {scope!r}",
        RFC6750_31 + ': "insufficient_scope ... 403"',
    )
    _bearer_error("insufficient_scope_is_forbidden", response, bundled, op, "insufficient_scope")


def _bearer_error(check: str, response: httpx.Response, bundled: JSON, op: Operation, code: str) -> None:
    """RFC 6750 3: the error code travels in the challenge; the body is judged by its documented schema."""
    value = challenge_header_present(response, bundled, op)
    if value is None:
        return
    scheme, params = parse_challenge(value)
    if scheme.lower() != "bearer":
        breach(
            _violation(
                check,
                f"the challenge is {scheme or 'blank'}, not Bearer",
                op,
                response,
                documented=f'Bearer ..., error="{code}"',
                source=RFC6750_3_SCHEME,
            )
        )
    elif params.get("error") != code:
        breach(
            _violation(
                check,
                f"the challenge does not say error={code!r}",
                op,
                response,
                documented=f'Bearer ..., error="{code}"',
                source=RFC6750_3_ERROR,
            )
        )


def basic_challenge_has_realm(response: httpx.Response, bundled: JSON, op: Operation) -> None:
    """RFC 7617 2: the Basic challenge carries a realm (REQUIRED)."""
    value = challenge_header_present(response, bundled, op)
    if value is None:
        return
    scheme, params = parse_challenge(value)
    if scheme.lower() != "basic" or "realm" not in params:
        breach(
            _violation(
                "basic_challenge_has_realm",
                "the 401 challenge is not Basic with a realm",
                op,
                response,
                documented='Basic realm="..."',
                source='RFC 7617 2: "realm ... REQUIRED"',
            )
        )


# -- bodies ----------------------------------------------------------------------------------------------
def error_body_documented(response: httpx.Response, bundled: JSON, op: Operation) -> None:
    """The refusal's body is the one the contract documents for that status (a client parses it)."""
    documented = documented_response(bundled, op, response.status_code)
    content = (documented or {}).get("content", {}) or {}
    media = content.get("application/json") or next((m for t, m in content.items() if t.endswith("+json")), None)
    schema = (media or {}).get("schema")
    if schema is None:
        return
    body = _body(response)
    root = rooted(schema, bundled)
    links = response_links(op.raw, documented)
    source = str((documented or {}).get("x-source", "the operation's responses"))
    if body is None:
        breaches = [Breach(weakest(links), "", "not JSON")]
    else:
        breaches = schema_breaches(root, body, links)

    def violation(group: list[Breach]) -> ContractViolation:
        problem = group[0].text if len(group) == 1 else f"{len(group)} rules broken:\n{summary(group)}"
        return _violation(
            "error_body_documented",
            f"the {response.status_code} body breaks its schema: {problem}",
            op,
            response,
            documented=schema.get("$ref", "documented schema"),
            source=source,
            grade=group[0].grade,
        )

    report_breaches(breaches, violation)


def secret_not_echoed(response: httpx.Response, sent_secrets: list[str], op: Operation) -> None:
    """An error body never repeats a secret that was sent: it reaches logs, proxies and support tickets."""
    text = response.text
    headers = " ".join(v for k, v in response.headers.items() if k.lower() != "set-cookie")
    if any(secret and (secret in text or secret in headers) for secret in sent_secrets):
        breach(
            _violation(
                "secret_not_echoed",
                "the response repeats the client secret that was sent",
                op,
                response,
                documented="no credential value in any response",
                source=OWASP_API8,
            )
        )


def foreign_token_refused(response: httpx.Response, op: Operation, what: str) -> None:
    """A credential of another API (a Bearer token on a Basic API) is refused with 401, as documented."""
    source = response_source(op, 401, RFC9110_401_MEANING)
    _expect_status("foreign_token_refused", response, op, 401, what, source)


# -- the token endpoint ----------------------------------------------------------------------------------
TOKEN_REFUSALS = ("invalid_client", "invalid_grant", "unauthorized_client")


def no_token_for_a_wrong_secret(response: httpx.Response, op: Operation, what: str) -> None:
    """RFC 6749 2.3.1/5.2: client authentication with a wrong secret fails, however the secret is presented."""
    body = _body(response)
    if response.is_success or (isinstance(body, dict) and "access_token" in body):
        breach(
            _violation(
                "no_token_for_a_wrong_secret",
                f"{what}: answered {response.status_code} with a token",
                op,
                response,
                documented="a 4xx error and no access_token",
                source=RFC6749_52,
            )
        )


def wrong_token_credentials_refused(response: httpx.Response, op: Operation, what: str, basic_auth: bool) -> None:
    """RFC 6749 5.2: a wrong secret or password at the token endpoint is 400/401 with ``invalid_client`` or
    ``invalid_grant`` and issues nothing; after Basic client authentication ``invalid_client`` MUST be 401."""
    source = response_source(op, response.status_code, RFC6749_52)
    body = _body(response)
    error = body.get("error") if isinstance(body, dict) else None
    issued = isinstance(body, dict) and "access_token" in body
    if response.status_code not in (400, 401) or issued:
        breach(
            _violation(
                "wrong_token_credentials_refused",
                f"{what}: answered {response.status_code}{' with a token' if issued else ''}",
                op,
                response,
                documented="400 or 401 with error invalid_client or invalid_grant, no access_token",
                source=source,
                grade=Grade.STANDARD,  # RFC 6749 5.2 MUSTs, whatever the vendor's page adds
            )
        )
    if error not in TOKEN_REFUSALS:
        breach(
            _violation(
                "wrong_token_credentials_refused",
                f"{what}: the body does not name the error",
                op,
                response,
                documented='{"error": "invalid_client" | "invalid_grant", ...}',
                source=source,
                grade=Grade.STANDARD,  # RFC 6749 5.2 MUSTs, whatever the vendor's page adds
            )
        )
    if basic_auth and error == "invalid_client" and response.status_code != 401:
        breach(
            _violation(
                "wrong_token_credentials_refused",
                f"{what}: invalid_client after Basic client authentication answered {response.status_code}",
                op,
                response,
                documented="401",
                source=RFC6749_52,
            )
        )


def token_response_not_cacheable(response: httpx.Response, op: Operation) -> None:
    """RFC 6749 5.1: a response carrying a token must not be stored by any cache."""
    if response.status_code != 200:
        breach(
            _violation(
                "token_response_not_cacheable",
                "the main credential got no token",
                op,
                response,
                documented="200 with a token",
                source="RFC 6749 5.1",
            )
        )
    directives = {d.strip().lower() for d in response.headers.get("cache-control", "").split(",")}
    if "no-store" not in directives:
        breach(
            ContractViolation(
                Category.AUTH,
                "token_response_not_cacheable",
                "a token response may be cached",
                received=f"Cache-Control: {response.headers.get('cache-control')!r}",
                documented="Cache-Control: no-store",
                source=RFC6749_51,
                operation=op.label,
            )
        )
