"""How strong a rule is: documented by the vendor, required by a standard, recommended, or our assumption.

A broken documented or standard (MUST) rule fails a test; a broken recommendation (SHOULD) or assumption
is a warning, because where the documentation is silent a conforming vendor may choose otherwise. The
grade of a contract node comes from ``x-apiconform-grade`` when the contract states it, else from its
``x-source``: a source that starts with "assumption" is one, an RFC SHOULD is a recommendation, an RFC
MUST a standard, anything else the vendor's documentation. ``x-apiconform-grade`` is a grade, or a map
from keyword (``minItems``, ``required``, ``required:<property>``, ``type``, ``type:null``, ``status``,
``body``, ``content-type``, ...) to grade with an optional ``default``, for a node whose source documents
some of its keywords and assumes others. A rule that rests on a chain of nodes (operation, response, schema,
property, keyword) is as strong as its weakest link: a documented ``minLength`` inside a body we only
assume the vendor sends is an assumption.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from typing import Any

GRADE_KEY = "x-apiconform-grade"
SOURCE_KEY = "x-source"


class Grade(enum.StrEnum):
    DOCUMENTED = "documented"
    STANDARD = "standard"
    RECOMMENDED = "recommended"
    ASSUMPTION = "assumption"

    @property
    def blocking(self) -> bool:
        """Whether breaking a rule of this grade fails the test (else it is a warning)."""
        return self in (Grade.DOCUMENTED, Grade.STANDARD)

    @property
    def strength(self) -> int:
        return _STRENGTH[self]


_STRENGTH = {Grade.ASSUMPTION: 0, Grade.RECOMMENDED: 1, Grade.STANDARD: 2, Grade.DOCUMENTED: 3}
GRADES = tuple(Grade)
_SHOULD = re.compile(r"\b(SHOULD|RECOMMENDED|MAY)\b")
_MUST = re.compile(r"\b(MUST|REQUIRED|SHALL)\b")
_STANDARD = re.compile(r"\b(RFC \d+|JSON Schema|OWASP|OpenAPI|HTTP semantics)\b")


def grade_of_source(source: str | None, default: Grade = Grade.DOCUMENTED) -> Grade:
    """The grade a source text states: "assumption: ..." first, then SHOULD before MUST, then a standard."""
    text = (source or "").strip()
    if not text:
        return default
    if text.lower().startswith("assumption"):
        return Grade.ASSUMPTION
    if _STANDARD.search(text.split(";")[0]) or text.startswith("RFC"):
        if _SHOULD.search(text) and not _MUST.search(text):
            return Grade.RECOMMENDED
        return Grade.STANDARD
    return Grade.DOCUMENTED


def parse_grade(value: Any) -> Grade | None:
    """A grade named in a contract or configuration, None when it names none."""
    try:
        return Grade(str(value).strip().lower())
    except ValueError:
        return None


def node_grade(node: Any, keyword: str | None = None, default: Grade | None = None) -> Grade | None:
    """The grade one contract node gives one of its keywords (or itself), None when the node says nothing."""
    if not isinstance(node, Mapping):
        return default
    stated = node.get(GRADE_KEY)
    if isinstance(stated, Mapping):
        for key in (keyword, keyword.split(":")[0] if keyword else None, "default"):
            if key and key in stated:
                return parse_grade(stated[key]) or default
    elif stated is not None:
        return parse_grade(stated) or default
    if SOURCE_KEY in node:
        return grade_of_source(str(node[SOURCE_KEY]))
    return default


def weakest(grades: Iterable[Grade | None], default: Grade = Grade.DOCUMENTED) -> Grade:
    """The weakest link of a chain of evidence; links that say nothing are skipped."""
    known = [g for g in grades if g is not None]
    return min(known, key=lambda g: g.strength) if known else default


def strongest(grades: Iterable[Grade | None], default: Grade = Grade.ASSUMPTION) -> Grade:
    known = [g for g in grades if g is not None]
    return max(known, key=lambda g: g.strength) if known else default


def grade_errors(value: Any, where: str) -> list[str]:
    """Problems with one ``x-apiconform-grade`` value, for the contract validation (one line each)."""
    allowed = ", ".join(GRADES)
    if isinstance(value, Mapping):
        bad = {k: v for k, v in value.items() if parse_grade(v) is None}
        return [f"{where}: {GRADE_KEY} {k!r} is {v!r}; use one of {allowed}" for k, v in bad.items()]
    if parse_grade(value) is None:
        return [f"{where}: {GRADE_KEY} is {value!r}; use one of {allowed}"]
    return []
