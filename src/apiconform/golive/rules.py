"""The checklist's items as data: rule text and vendor sources, read from ``schemas/common/golive.json``.

The engine must not know a vendor, so what an item says and where the documentation says it live in the
contracts folder; the file is a JSON Schema whose single example is the checklist, so the generic schema
self-tests validate it, and it is validated again here before use.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from apiconform.contracts import load_schema, validator_for
from apiconform.errors import ConfigError

RULES_FILE = "common/golive.json"


@dataclass(frozen=True)
class Source:
    title: str
    quote: str
    url: str | None = None

    def cite(self) -> str:
        """Title, a short quote and the link when the document gives one: what a reviewer can look up. Typographic
        quotes: a title ending in "secrets" before a straight-quoted string reads as a secret to the redactor."""
        link = f" <{self.url}>" if self.url else ""
        return f"{self.title}: “{self.quote}”{link}"


@dataclass(frozen=True)
class ItemRule:
    id: str
    title: str
    rule: str
    sources: tuple[Source, ...]
    manual: str | None = None
    informational: bool = False

    def cite(self) -> str:
        return "; ".join(source.cite() for source in self.sources)


@cache
def checklist_rules() -> tuple[ItemRule, ...]:
    """The items in checklist order; a file that does not match its own schema is a configuration error."""
    document = load_schema(RULES_FILE)
    examples = document.get("examples") or [None]
    data = examples[0]
    errors = sorted(validator_for(RULES_FILE).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        raise ConfigError(f"{RULES_FILE}: examples[0] at {errors[0].json_path}: {errors[0].message}")
    items = tuple(
        ItemRule(
            id=item["id"],
            title=item["title"],
            rule=item["rule"],
            sources=tuple(Source(s["title"], s["quote"], s.get("url")) for s in item["sources"]),
            manual=item.get("manual"),
            informational=bool(item.get("informational", False)),
        )
        for item in data["items"]
    )
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{RULES_FILE}: duplicate item ids in {ids}")
    return items


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "cannot tell"


@dataclass(frozen=True)
class Finding:
    """One observation behind an item's verdict: what was seen and, when not a pass, what to do."""

    verdict: Verdict
    text: str


def passed(text: str) -> Finding:
    return Finding(Verdict.PASS, text)


def failed(text: str) -> Finding:
    return Finding(Verdict.FAIL, text)


def unknown(text: str) -> Finding:
    return Finding(Verdict.UNKNOWN, text)


@dataclass(frozen=True)
class ItemResult:
    """An item's verdict: fail when any finding fails, else cannot tell when any cannot, else pass."""

    rule: ItemRule
    findings: tuple[Finding, ...]

    @property
    def verdict(self) -> Verdict:
        seen = {finding.verdict for finding in self.findings}
        for verdict in (Verdict.FAIL, Verdict.UNKNOWN):
            if verdict in seen:
                return verdict
        return Verdict.PASS if seen else Verdict.UNKNOWN

    @property
    def ordered(self) -> tuple[Finding, ...]:
        """Failures first, then what could not be told, then passes: the reader sees what blocks first."""
        rank = {Verdict.FAIL: 0, Verdict.UNKNOWN: 1, Verdict.PASS: 2}
        return tuple(sorted(self.findings, key=lambda f: rank[f.verdict]))
