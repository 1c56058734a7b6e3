"""The rules the checks enforce beyond the contracts' schemas, each with the grade its verdict carries.

The contracts' own rules (statuses, bodies, fields, headers) are graded node by node in the catalog; these
are the behaviours a check asserts on top (who is refused, what a challenge says, what a token answer must
not allow, how environments, organisations, limits and the access lifecycle behave). A check that splits one
behaviour into a firm part and a softer part (served at all versus refused with which status) lists both
grades; ``contract`` means the grade comes from the contract nodes the check reads (weakest link). A test
keeps this table and the checks' names in step.
"""

from __future__ import annotations

from typing import NamedTuple

from apiconform.contracts.grades import Grade

CONTRACT = "contract"  # graded by the contract nodes the check reads


class CheckRule(NamedTuple):
    check: str
    concern: str
    rule: str
    grades: tuple[Grade | str, ...]
    source: str


_S, _D, _R, _A = Grade.STANDARD, Grade.DOCUMENTED, Grade.RECOMMENDED, Grade.ASSUMPTION
_RFC9110 = "RFC 9110 15.5.2 (401), 15.5.4 (403)"
_RFC6750 = "RFC 6750 3, 3.1"
_STATUS = "served: standard; refused with another status: the documented response's status grade, else the RFC's"

CHECK_RULES: tuple[CheckRule, ...] = (
    CheckRule(
        "missing_credentials_are_refused",
        "auth",
        "no or incomplete credentials are refused with 401",
        (_S, CONTRACT),
        f"{_RFC9110}; {_STATUS}",
    ),
    CheckRule(
        "invalid_credentials_are_refused",
        "auth",
        "malformed, unknown or nearly-right credentials: 401",
        (_S, CONTRACT),
        f"{_RFC9110}; {_STATUS}",
    ),
    CheckRule(
        "wrong_secret_is_refused",
        "auth",
        "a valid id with a wrong secret: 401",
        (_S, CONTRACT),
        f"{_RFC9110}; {_STATUS}",
    ),
    CheckRule(
        "foreign_token_refused",
        "auth",
        "a credential of another API is refused with 401",
        (_S, CONTRACT),
        f"{_RFC9110}; {_STATUS}",
    ),
    CheckRule(
        "invalid_token_is_refused",
        "auth",
        "a garbage, nearly-right, revoked or expired token is refused (401, Bearer, error=invalid_token)",
        (_S, _R, CONTRACT),
        f"{_RFC6750}: served or not Bearer: standard; 401 and the error code: SHOULD",
    ),
    CheckRule(
        "insufficient_scope_is_forbidden",
        "auth",
        "a token without the operation's scope is refused (403, error=insufficient_scope)",
        (_S, _R, CONTRACT),
        f"{_RFC6750}: served: standard; 403 and the error code: SHOULD",
    ),
    CheckRule(
        "no_contract_is_forbidden",
        "auth",
        "an application without an access contract is refused (403)",
        (_S, CONTRACT),
        f"{_RFC9110}; the documented 403 response",
    ),
    CheckRule(
        "valid_credentials_are_accepted",
        "auth",
        "valid credentials are not refused (positive control)",
        (_S,),
        "the operation's security requirement (OpenAPI)",
    ),
    CheckRule(
        "challenge_header_present",
        "auth",
        "a 401 carries WWW-Authenticate, with the documented value",
        (_S, CONTRACT),
        'RFC 9110 15.5.2: "MUST send a WWW-Authenticate header field"; the header node',
    ),
    CheckRule(
        "bearer_challenge_without_error_code",
        "auth",
        "a request without a token gets a plain Bearer challenge",
        (_S, _R),
        'RFC 6750 3: Bearer scheme (MUST); 3.1: "SHOULD NOT include an error code"',
    ),
    CheckRule(
        "basic_challenge_has_realm",
        "auth",
        "a Basic challenge names its realm",
        (_S,),
        'RFC 7617 2: "realm ... REQUIRED"',
    ),
    CheckRule(
        "error_body_documented",
        "auth",
        "a refusal's body is the documented one",
        (CONTRACT,),
        "the operation's documented response for that status",
    ),
    CheckRule(
        "secret_not_echoed",
        "auth",
        "no response repeats a secret that was sent",
        (_S,),
        "OWASP API Security Top 10 2023, API8",
    ),
    CheckRule(
        "no_token_for_a_wrong_secret",
        "auth",
        "a wrong client secret gets no token, however presented",
        (_S,),
        "RFC 6749 2.3.1, 5.2",
    ),
    CheckRule(
        "wrong_token_credentials_refused",
        "auth",
        "a wrong secret or password at the token endpoint: 400/401 invalid_client/invalid_grant, no token",
        (_S,),
        'RFC 6749 5.2: "MUST respond with an HTTP 401" after Basic client authentication',
    ),
    CheckRule(
        "token_response_not_cacheable",
        "auth",
        "a token response carries Cache-Control: no-store",
        (_S,),
        'RFC 6749 5.1: "MUST include ... no-store"',
    ),
    CheckRule(
        "revoked_token_is_refused",
        "auth",
        "the contract's revoke operation succeeds for a fresh token",
        (CONTRACT,),
        "the revoke operation (RFC 7009)",
    ),
    CheckRule(
        "schemathesis",
        "contract",
        "generated requests: no 5xx, documented statuses, media types, headers and bodies; valid data "
        "accepted, invalid data rejected",
        (_S, CONTRACT),
        "RFC 9110 15.6 (5xx: standard); the operation's responses, request schema and response nodes",
    ),
    CheckRule(
        "header_echoed",
        "contract",
        "a correlation header sent is echoed unchanged",
        (CONTRACT,),
        "the success response's header x-source",
    ),
    CheckRule(
        "boundary_violation_rejected",
        "contract",
        "a body breaking one documented constraint is not served; it is refused with the validation status",
        (_D, CONTRACT),
        "the constraint (documented ones only); the status: the validation response's grade",
    ),
    CheckRule(
        "read_only_attribute_refused",
        "contract",
        "a readOnly attribute written is not taken",
        (_S, _A),
        'JSON Schema 2020-12 9.4: "expected to be ignored or rejected" (refusing is our assumption)',
    ),
    CheckRule(
        "pagination_consistent",
        "contract",
        "pages do not overlap, the more flag tells the truth, the last item the total counts is there",
        (CONTRACT,),
        "the operation's x-apiconform-records.page",
    ),
    CheckRule(
        "field_type_conformance",
        "field-types",
        "every field keeps its documented type, format and enum",
        (CONTRACT,),
        "the response schema, node by node",
    ),
    CheckRule(
        "credentials_bound_to_environment",
        "environments",
        "one environment's credentials are refused in the other",
        (_D,),
        'API essentials: "You cannot use the same client application for Sandbox and Production"',
    ),
    CheckRule(
        "records_do_not_cross_environments",
        "environments",
        "no record of one environment in the other",
        (_D,),
        'API essentials: "unique to each of the API Sandbox and Production environments"',
    ),
    CheckRule(
        "identifiers_do_not_resolve_across_environments",
        "environments",
        "an id of one environment is not found in the other",
        (_D,),
        'API essentials: "unique to each of the API Sandbox and Production environments"',
    ),
    CheckRule(
        "foreign_record_is_invisible",
        "isolation",
        "another organisation's record is not readable",
        (_D,),
        'API essentials: "the responses we provide will be assigned to the registered organisation name"',
    ),
    CheckRule(
        "foreign_records_not_listed",
        "isolation",
        "another organisation's records are not listed",
        (_D,),
        'API essentials: "the responses we provide will be assigned to the registered organisation name"',
    ),
    CheckRule(
        "no_foreign_field_values",
        "isolation",
        "no field value of another organisation appears",
        (_D,),
        'API essentials: "the responses we provide will be assigned to the registered organisation name"',
    ),
    CheckRule(
        "limit_announced",
        "rate-limits",
        "the plan's limit is announced in X-RateLimit-Limit",
        (_D,),
        'ibm-apic-plans: "A plan can have a common rate limit"; the documented rate-limit headers',
    ),
    CheckRule(
        "rate_limit_headers_integer",
        "rate-limits",
        "rate-limit headers are integers",
        (_D,),
        "the documented rate-limit headers",
    ),
    CheckRule(
        "remaining_counts_down",
        "rate-limits",
        "X-RateLimit-Remaining = limit - calls made",
        (_D,),
        "the documented rate-limit headers",
    ),
    CheckRule(
        "limit_enforced_with_429",
        "rate-limits",
        "the call past the plan's limit is refused with 429",
        (_D,),
        'ibm-apic-plans: "how many calls an app is allowed to make during a specified time interval"; RFC 6585 4',
    ),
    CheckRule(
        "retry_after_present",
        "rate-limits",
        "a 429 says when to retry (Retry-After)",
        (_R,),
        'RFC 6585 4: "MAY include a Retry-After header"',
    ),
    CheckRule(
        "too_many_requests_body",
        "rate-limits",
        "the 429 body is the documented one",
        (CONTRACT,),
        "the operation's 429 response",
    ),
    CheckRule(
        "usage_matches_calls",
        "rate-limits",
        "the portal's usage counts the calls made",
        (_D,),
        'ibm-apic-plans: "you can see the usage compared to the rate limit of the plan"',
    ),
    CheckRule(
        "secret_shown_at_registration",
        "lifecycle",
        "the client secret is shown at registration",
        (_D,),
        'ibm-apic-plans: "displayed only once"',
    ),
    CheckRule(
        "secret_shown_once",
        "lifecycle",
        "the client secret is never shown again",
        (_D,),
        'ibm-apic-plans: "displayed only once"',
    ),
    CheckRule(
        "reset_secret_revokes_old",
        "lifecycle",
        "after a reset the old secret is refused, the new one works",
        (_D,),
        'ibm-apic-plans: "You can reset your client secret"',
    ),
    CheckRule(
        "access_activated",
        "lifecycle",
        "an open plan's access request is Activated at once",
        (_D,),
        'akana-go-live: "the post status is Activated"',
    ),
    CheckRule(
        "activated_contract_accepted",
        "lifecycle",
        "calls under an Activated contract are served",
        (_D,),
        "akana-go-live",
    ),
    CheckRule(
        "contract_pending_for_restricted_plan",
        "lifecycle",
        "a restricted plan's request waits for approval",
        (_D,),
        "akana-go-live",
    ),
    CheckRule(
        "pending_contract_refused",
        "lifecycle",
        "calls under a Pending contract are refused (403)",
        (_D,),
        "akana-go-live",
    ),
    CheckRule(
        "approved_contract_accepted",
        "lifecycle",
        "an approved contract's calls are served",
        (_D,),
        "akana-go-live",
    ),
    CheckRule(
        "cancelled_contract_refused",
        "lifecycle",
        "a cancelled contract's calls are refused at once",
        (_D,),
        'akana-go-live: "You can deactivate app access at any time."',
    ),
    CheckRule(
        "switch_cancels_contracts",
        "lifecycle",
        "switching environment cancels the old contracts",
        (_D,),
        'akana-go-live: "contracts are cancelled when you switch environments"',
    ),
)


def grade_counts() -> dict[str, int]:
    """How many check rules carry each grade (a rule with a firm and a soft part counts for both)."""
    counts = {str(g): 0 for g in Grade} | {CONTRACT: 0}
    for rule in CHECK_RULES:
        for grade in rule.grades:
            counts[str(grade)] += 1
    return counts
