"""AT&T End-Customer Lookup: ``POST {base}/api/v1/customerAccountLookup`` behind client_id/client_secret headers.

Documented: both credential headers (401 when missing or invalid), ``x-trace-id`` required, JSON body with
``accountName`` (fuzzy, >= 3 characters) and ``address`` (``street`` present, may be blank, fuzzy; ``city``,
``state``, ``zipCode`` exact), at most 5 records, "No customer found" when nothing matches. Choices unlike
the sandbox: ``spId`` required (one page says so), 415 for a non-JSON content type, 422 listing every field
problem, 404 ``{"errors": [...]}`` for no match, a ``Basic realm="mule-realm"`` challenge, city and state
really compared, extra request keys ignored, and ``x-trace-id``/``x-transaction-id`` echoed.
"""

from __future__ import annotations

import difflib
import itertools
import json
import re
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.altvendor.att_data import Record, records_of
from tests.altvendor.control import Control
from tests.altvendor.responses import Refused, att_error, att_errors, json_response, media_type

CHALLENGE = 'Basic realm="mule-realm"'  # mulesoft-client-id-enforcement, Basic mode
MAX_RECORDS = 5
STATES = {"texas": "TX", "minnesota": "MN", "louisiana": "LA", "california": "CA", "new york": "NY"}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _fuzzy(query: str, value: str) -> bool:
    """Every query word starts some value word, or the whole strings are close (difflib ratio >= 0.8)."""
    wanted, have = _words(query), _words(value)
    if wanted and all(any(h.startswith(w) for h in have) for w in wanted):
        return True
    return difflib.SequenceMatcher(None, " ".join(wanted), " ".join(have)).ratio() >= 0.8


def _state(text: str) -> str:
    key = " ".join(_words(text))
    return STATES.get(key, key.upper())


def _zip_matches(sent: str, record: str) -> bool:
    return sent == record or (len(sent) == 5 and record[:5] == sent) or (len(record) == 5 and sent[:5] == record)


def _regressed(control: Control, record: dict[str, Any]) -> dict[str, Any]:
    """A record as a regressed backend sends it: a numeric id, spelled-out LOA status, a lost name."""
    if control.has("account-id-numeric") and "accountId" in record:
        record["accountId"] = int(re.sub(r"\D", "", str(record["accountId"])) or 0)
    if control.has("loa-status-spelled-out") and record.get("loaStatus") in {"Y", "N"}:
        record["loaStatus"] = {"Y": "Yes", "N": "No"}[record["loaStatus"]]
    if control.has("account-name-null"):
        record["accountName"] = None
    return record


def matches(body: dict[str, Any], record: Record) -> bool:
    address, found = body["address"], record["accountAddress"]
    return (
        _fuzzy(body["accountName"], record["accountName"])
        and (not address["street"].strip() or _fuzzy(address["street"], found["street"]))
        and " ".join(_words(address["city"])) == " ".join(_words(found["city"]))
        and _state(address["state"]) == _state(found["state"])
        and _zip_matches(address["zipCode"], found["zipCode"])
    )


def _field_problems(body: Any) -> list[dict[str, str]]:
    if not isinstance(body, dict):
        return [{"code": "INVALID_REQUEST", "field": "", "message": "the body must be a JSON object"}]
    found = []

    def bad(field: str, message: str) -> None:
        found.append({"code": "INVALID_FIELD", "field": field, "message": message})

    if not isinstance(body.get("spId"), str) or not body["spId"].strip():
        bad("spId", "spId is required")
    name = body.get("accountName")
    if not isinstance(name, str) or len(name.strip()) < 3:
        bad("accountName", "accountName is required, at least 3 characters")
    address = body.get("address")
    if not isinstance(address, dict):
        bad("address", "address is required")
        return found
    if not isinstance(address.get("street"), str):
        bad("address.street", "street is required (it may be blank)")
    for key in ("city", "state"):
        if not isinstance(address.get(key), str) or not address[key].strip():
            bad(f"address.{key}", f"{key} is required")
    if not isinstance(address.get("zipCode"), str) or not re.fullmatch(r"[0-9]{5}([0-9]{4})?", address["zipCode"]):
        bad("address.zipCode", "zipCode is 5 or 9 digits")
    return found


def lookup_app_routes(control: Control, env: str, client_id: str, client_secret: str) -> list[Route]:
    transactions = itertools.count(1)

    def authenticate(request: Request) -> None:
        sent_id, sent_secret = request.headers.get("client_id"), request.headers.get("client_secret")
        ok = (
            sent_id is not None
            and sent_secret is not None
            and secrets.compare_digest(sent_id.encode(), client_id.encode())
            and secrets.compare_digest(sent_secret.encode(), client_secret.encode())
        )
        if not ok:
            raise Refused(att_error(401, "UNAUTHORIZED", "Invalid client credentials", {"WWW-Authenticate": CHALLENGE}))

    async def lookup(request: Request) -> Response:
        authenticate(request)
        trace = request.headers.get("x-trace-id", "").strip()
        echo = {"x-transaction-id": request.headers.get("x-transaction-id") or f"alt-{env}-{next(transactions):06d}"}
        if trace:
            echo["x-trace-id"] = trace
        if media_type(request) != "application/json":
            raise Refused(att_error(415, "UNSUPPORTED_MEDIA_TYPE", "content-type must be application/json", echo))
        if not trace:
            raise Refused(att_error(400, "MISSING_HEADER", "x-trace-id header is required", echo))
        try:
            body = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise Refused(att_error(400, "INVALID_JSON", "the body is not valid JSON", echo)) from exc
        problems = _field_problems(body)
        if problems:
            raise Refused(att_errors(422, problems, echo))
        found = sorted((r for r in records_of(env) if matches(body, r)), key=lambda r: r["accountId"])
        if not control.has("lookup-over-five"):
            found = found[:MAX_RECORDS]
        if control.has("account-id-renamed"):
            found = [{("endCustomerId" if k == "accountId" else k): v for k, v in r.items()} for r in found]
        found = [_regressed(control, dict(r)) for r in found]
        if not found:
            return att_error(404, "NOT_FOUND", "No customer found", echo)
        return json_response(found, headers=echo)

    return [Route("/api/v1/customerAccountLookup", lookup, methods=["POST"])]
