"""The verdicts of ``apiconform diff``: which contract changes break a consumer, by the direction of the data.

A request is what the consumer sends, so a request schema that accepts less (tighter bound, new required
field, removed enum value) breaks it; a response is what the vendor sends, so a response schema that allows
more (new enum value, nullable field, removed field) breaks it. The comparison (``diff``) names each change
with a direction-neutral *kind*; this module alone turns (kind, direction, subject) into a rule id and a
verdict, so the policy can be read in one place.

Rule ids are oasdiff's (github.com/oasdiff/oasdiff, ``checker/rules.go``) wherever oasdiff has the rule, so a
reviewer can look a verdict up there. oasdiff's ERR is our breaking and its INFO our non-breaking; its WARN
("may break, depending on the client") is breaking here, because this is a review tool: a change that may
break must be looked at. The only departure from an oasdiff level is security (``api-security-tightened``):
oasdiff reports every security change as INFO, we call a requirement the consumer's credentials no longer
meet breaking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["request", "response"]
Verdict = Literal["breaking", "non-breaking"]
# what a schema belongs to: the root of a body, parameter or header, or something nested in one
Subject = Literal["body", "property", "parameter", "parameter-property", "header"]

BREAKING: Verdict = "breaking"
NON_BREAKING: Verdict = "non-breaking"
B, NB = BREAKING, NON_BREAKING


@dataclass(frozen=True)
class Rule:
    """A rule id and the verdict it carries."""

    id: str
    verdict: Verdict


# Schema kinds whose id is "<prefix>-<kind>": (verdict for a request, verdict for a response).
_SCHEMA_KINDS: dict[str, tuple[Verdict, Verdict]] = {
    "type-generalized": (NB, B),  # string -> [string, integer]: accepts more / may send more
    "type-specialized": (B, NB),
    "type-changed": (B, B),
    "became-nullable": (NB, B),
    "became-not-nullable": (B, NB),
    "enum-value-added": (NB, B),
    "enum-value-removed": (B, NB),
    "became-enum": (B, NB),
    "enum-removed": (NB, B),
    "const-added": (B, NB),
    "const-removed": (NB, B),
    "const-changed": (B, B),
    "pattern-added": (B, NB),
    "pattern-removed": (NB, NB),  # oasdiff: a response pattern is informational (INFO either way)
    "pattern-changed": (B, NB),  # oasdiff WARN on requests: the new pattern may refuse what was sent
    "multiple-of-set": (B, NB),
    "multiple-of-changed": (B, B),
    "multiple-of-unset": (NB, B),
    "unique-items-set": (B, NB),
    "unique-items-unset": (NB, B),
    "additional-properties-disallowed": (B, NB),
    "additional-properties-allowed": (NB, NB),  # like a new optional response field: tolerant readers cope
    "one-of-added": (NB, B),
    "one-of-removed": (B, NB),
    "any-of-added": (NB, NB),  # oasdiff: INFO for responses too
    "any-of-removed": (B, NB),
    "default-value-added": (NB, NB),
    "default-value-removed": (NB, NB),
    "default-value-changed": (NB, NB),
    "keyword-changed": (B, B),  # a keyword we do not classify (not, if, patternProperties, ...): review it
}

# (kind, request id) where oasdiff names the request side differently
_REQUEST_IDS = {"type-specialized": "type-changed"}

UPPER_BOUNDS = ("max-length", "max", "exclusive-max", "max-items", "max-properties", "max-contains")
LOWER_BOUNDS = ("min-length", "min", "exclusive-min", "min-items", "min-properties", "min-contains")
for _bound in (*UPPER_BOUNDS, *LOWER_BOUNDS):
    _upper = _bound in UPPER_BOUNDS
    for _change in ("increased", "decreased", "set", "unset"):
        _tightens = _change == "set" or _change == ("decreased" if _upper else "increased")
        _SCHEMA_KINDS[f"{_bound}-{_change}"] = (B, NB) if _tightens else (NB, B)

# Property kinds with ids of their own.
_PROPERTY_KINDS: dict[tuple[str, Direction], Rule] = {
    ("property-added-required", "request"): Rule("new-required-request-property", B),
    ("property-added-optional", "request"): Rule("new-optional-request-property", NB),
    ("property-added-required", "response"): Rule("response-required-property-added", NB),
    ("property-added-optional", "response"): Rule("response-optional-property-added", NB),
    ("property-removed-required", "request"): Rule("request-property-removed", B),  # oasdiff WARN
    ("property-removed-optional", "request"): Rule("request-property-removed", B),  # oasdiff WARN
    ("property-removed-required", "response"): Rule("response-required-property-removed", B),
    ("property-removed-optional", "response"): Rule("response-optional-property-removed", B),  # oasdiff WARN
    ("became-required", "request"): Rule("request-property-became-required", B),
    ("became-optional", "request"): Rule("request-property-became-optional", NB),
    ("became-required", "response"): Rule("response-property-became-required", NB),
    ("became-optional", "response"): Rule("response-property-became-optional", B),
}

# Kinds outside schemas: the rule and the direction it concerns ("both": the operation as a whole).
OPERATION_KINDS: dict[str, tuple[Rule, Literal["request", "response", "both"]]] = {
    "path-removed": (Rule("api-path-removed-without-deprecation", B), "both"),
    "operation-removed": (Rule("api-removed-without-deprecation", B), "both"),
    "operation-added": (Rule("endpoint-added", NB), "both"),
    "path-parameter-added": (Rule("new-request-path-parameter", B), "request"),
    "parameter-added-required": (Rule("new-required-request-parameter", B), "request"),
    "parameter-added-optional": (Rule("new-optional-request-parameter", NB), "request"),
    "parameter-removed": (Rule("request-parameter-removed", B), "request"),  # oasdiff WARN
    "parameter-became-required": (Rule("request-parameter-became-required", B), "request"),
    "parameter-became-optional": (Rule("request-parameter-became-optional", NB), "request"),
    "request-body-added-required": (Rule("request-body-added-required", B), "request"),
    "request-body-added-optional": (Rule("request-body-added-optional", NB), "request"),
    "request-body-removed": (Rule("request-body-removed", B), "request"),
    "request-body-became-required": (Rule("request-body-became-required", B), "request"),
    "request-body-became-optional": (Rule("request-body-became-optional", NB), "request"),
    "request-media-type-added": (Rule("request-body-media-type-added", NB), "request"),
    "request-media-type-removed": (Rule("request-body-media-type-removed", B), "request"),
    "success-status-removed": (Rule("response-success-status-removed", B), "response"),
    "non-success-status-removed": (Rule("response-non-success-status-removed", NB), "response"),
    "success-status-added": (Rule("response-success-status-added", NB), "response"),
    "non-success-status-added": (Rule("response-non-success-status-added", NB), "response"),
    "response-header-added": (Rule("response-header-added", NB), "response"),
    "required-response-header-removed": (Rule("required-response-header-removed", B), "response"),
    "optional-response-header-removed": (Rule("optional-response-header-removed", B), "response"),  # WARN
    "response-header-became-optional": (Rule("response-header-became-optional", B), "response"),
    "response-header-became-required": (Rule("response-header-became-required", NB), "response"),
    "response-media-type-added": (Rule("response-media-type-added", NB), "response"),
    "response-media-type-removed": (Rule("response-media-type-removed", B), "response"),
    "security-tightened": (Rule("api-security-tightened", B), "request"),
    "security-loosened": (Rule("api-security-loosened", NB), "request"),
    "security-scheme-changed": (Rule("api-security-scheme-changed", B), "request"),
    "schema-file-removed": (Rule("schema-file-removed", B), "both"),
    "schema-file-added": (Rule("schema-file-added", NB), "both"),
}


def rule_prefix(direction: Direction, subject: Subject) -> str:
    """oasdiff's naming: ``request-body-…`` for a body's root, ``request-property-…`` below it, and so on."""
    if direction == "request":
        return {
            "body": "request-body",
            "property": "request-property",
            "parameter": "request-parameter",
            "parameter-property": "request-parameter-property",
            "header": "request-parameter",
        }[subject]
    return {"header": "response-header", "body": "response-body"}.get(subject, "response-property")


def schema_rule(kind: str, direction: Direction, subject: Subject, keyword: str = "") -> Rule:
    """The rule of a change inside a schema, seen from one direction."""
    if (kind, direction) in _PROPERTY_KINDS:
        return _PROPERTY_KINDS[kind, direction]
    request_verdict, response_verdict = _SCHEMA_KINDS[kind]
    verdict = request_verdict if direction == "request" else response_verdict
    if kind.startswith("default-value-") and subject == "parameter" and direction == "request":
        verdict = B  # oasdiff ERR: the vendor now behaves differently when the consumer omits it
    suffix = _REQUEST_IDS.get(kind, kind) if direction == "request" else kind
    if kind == "keyword-changed":
        suffix = f"{keyword}-changed"
    return Rule(f"{rule_prefix(direction, subject)}-{suffix}", verdict)


def is_schema_kind(kind: str) -> bool:
    """Whether a kind is judged by direction (a schema change) rather than fixed (an operation change)."""
    return kind in _SCHEMA_KINDS or any(k == kind for k, _ in _PROPERTY_KINDS)
