"""Graded verdicts: grades from sources and ``x-apiconform-grade``, the weakest link through a schema, and the
collector that lets the first documented rule decide while weaker ones only warn."""

from __future__ import annotations

from typing import Any

import pytest

from apiconform.checks.failures import (
    Category,
    ContractViolation,
    RuleWarnings,
    breach,
    collecting_warnings,
    decide,
)
from apiconform.checks.graded import report_breaches, rooted, schema_breaches
from apiconform.contracts.grades import Grade, grade_errors, grade_of_source, node_grade, weakest


@pytest.mark.parametrize(
    ("source", "grade"),
    [
        ("assumption: the gateway answers 401 with this body", Grade.ASSUMPTION),
        ('Seed 002: "at most 5 records"', Grade.DOCUMENTED),
        ('RFC 6749 5.1: "MUST include the HTTP Cache-Control response header field"', Grade.STANDARD),
        ('RFC 6750 3: "the resource server SHOULD include the error attribute"', Grade.RECOMMENDED),
        ('RFC 6585 4: "MAY include a Retry-After header"', Grade.RECOMMENDED),
        ("", Grade.DOCUMENTED),
    ],
)
def test_the_grade_a_source_states(source: str, grade: Grade) -> None:
    assert grade_of_source(source) is grade


def test_a_stated_grade_wins_per_keyword_with_a_default() -> None:
    node = {"x-source": "doc; assumption: minLength 1", "x-apiconform-grade": {"minLength": "assumption"}}
    assert node_grade(node, "minLength") is Grade.ASSUMPTION
    assert node_grade(node, "type") is Grade.DOCUMENTED  # no default: the source's grade
    node["x-apiconform-grade"] = {"required:b": "assumption", "required": "documented", "default": "standard"}
    assert node_grade(node, "required:b") is Grade.ASSUMPTION
    assert node_grade(node, "required:a") is Grade.DOCUMENTED
    assert node_grade(node, "enum") is Grade.STANDARD
    assert node_grade({"description": "no provenance"}, "type") is None  # says nothing: inherits
    assert weakest([Grade.DOCUMENTED, None, Grade.RECOMMENDED]) is Grade.RECOMMENDED


def test_an_invalid_grade_is_one_line_naming_the_choices() -> None:
    (problem,) = grade_errors({"minItems": "guess"}, "x.json#/properties/a")
    assert problem == (
        "x.json#/properties/a: x-apiconform-grade 'minItems' is 'guess'; "
        "use one of documented, standard, recommended, assumption"
    )


SCHEMA: dict[str, Any] = {
    "type": "array",
    "x-source": 'vendor page: "at most 5 accounts"',
    "x-apiconform-grade": {"minItems": "assumption", "default": "documented"},
    "maxItems": 5,
    "minItems": 1,
    "items": {"$ref": "#/components/schemas/Account"},
    "components": {
        "schemas": {
            "Account": {
                "type": "object",
                "x-source": 'vendor page: "accountId and accountName are returned"',
                "x-apiconform-grade": {"additionalProperties": "assumption", "default": "documented"},
                "required": ["accountId", "loa"],
                "additionalProperties": False,
                "properties": {
                    "accountId": {"type": "string", "x-source": "vendor page sample"},
                    "loa": {"type": "string", "x-source": "assumption: every record carries its LOA"},
                },
            }
        }
    },
}


def test_each_error_is_as_strong_as_the_weakest_link_of_its_path() -> None:
    grades = {b.text.split(":")[1].split()[0]: b.grade for b in schema_breaches(SCHEMA, [{"loa": "x", "z": 1}])}
    assert grades == {"required": Grade.DOCUMENTED, "additionalProperties": Grade.ASSUMPTION}
    assert [b.grade for b in schema_breaches(SCHEMA, [])] == [Grade.ASSUMPTION]  # minItems
    (missing_loa,) = schema_breaches(SCHEMA, [{"accountId": "A1"}])
    assert missing_loa.grade is Grade.ASSUMPTION  # a property assumed as a whole is assumed present
    (too_many,) = schema_breaches(SCHEMA, [{"accountId": "A", "loa": "x"}] * 6)
    assert too_many.grade is Grade.DOCUMENTED and "maxItems" in too_many.text
    # a documented rule inside a body we only assume the response carries is an assumption
    (capped,) = schema_breaches(SCHEMA, [{"accountId": 7, "loa": "x"}], [Grade.ASSUMPTION])
    assert capped.grade is Grade.ASSUMPTION


def _violation(grade: Grade, check: str = "c") -> ContractViolation:
    return ContractViolation(Category.CONTRACT, check, f"{check} broken", grade=grade)


def test_a_warning_is_collected_and_a_documented_rule_still_raises() -> None:
    with collecting_warnings() as warnings:
        breach(_violation(Grade.ASSUMPTION, "assumed"))
        breach(_violation(Grade.ASSUMPTION, "assumed"))  # once per rule and message
        with pytest.raises(ContractViolation) as raised:
            breach(_violation(Grade.DOCUMENTED, "documented"))
    assert raised.value.check == "documented"
    assert [v.check for v in warnings.violations] == ["assumed"]
    with pytest.raises(ContractViolation):  # outside a suite test, every breach raises
        breach(_violation(Grade.ASSUMPTION))


def test_the_first_documented_rule_decides_whatever_order_it_was_found_in() -> None:
    with collecting_warnings() as warnings, pytest.raises(ContractViolation) as raised:
        decide([_violation(Grade.ASSUMPTION, "first"), _violation(Grade.STANDARD, "second")])
    assert raised.value.check == "second" and [v.check for v in warnings.violations] == ["first"]
    breaches = schema_breaches(SCHEMA, [{"z": 1}] * 6)  # additionalProperties first by path, maxItems decides
    with collecting_warnings() as warnings, pytest.raises(ContractViolation) as raised:
        report_breaches(breaches, lambda group: _violation(group[0].grade, group[0].text.split(":")[1].split()[0]))
    assert raised.value.check == "maxItems" and raised.value.grade is Grade.DOCUMENTED
    assert warnings.violations and not warnings.violations[0].blocking


def test_a_test_with_only_warnings_raises_them_together() -> None:
    error = RuleWarnings([_violation(Grade.RECOMMENDED, "a"), _violation(Grade.ASSUMPTION, "b")])
    text = str(error)
    assert text.startswith("[warning] 2 recommended rule(s) broken")
    assert "Grade: recommended" in text and "Grade: assumption" in text


def test_a_rooted_schema_is_built_once_per_pair_and_validates_as_a_fresh_one() -> None:
    """The cached root (and its validator) answers exactly as a root built anew would."""
    document: dict[str, Any] = {"components": {"schemas": {"Error": {"type": "object", "required": ["code"]}}}}
    by_ref: dict[str, Any] = {"$ref": "#/components/schemas/Error"}
    inline: dict[str, Any] = {"type": "object", "properties": {"code": {"type": "integer"}}}
    assert rooted(by_ref, document) is rooted(by_ref, document)
    assert rooted(inline, document) is not rooted(inline, {"components": {}})
    for schema, body in ((by_ref, {}), (inline, {"code": "x"})):
        root = rooted(schema, document)
        fresh = dict(root)  # an equal root the cache has never seen
        first, again = schema_breaches(root, body), schema_breaches(root, body)
        assert first and first == again == schema_breaches(fresh, body)
