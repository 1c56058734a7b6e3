"""The documents contracts cite: the sources registry, and what an ``x-source`` text cites from it.

An ``x-source`` names its documents by registry id, ``att-ordering-api: "quote"``, several joined with
``; `` (``assumption: ...`` segments cite nothing). ``RFC 6749`` cites the entry ``rfc6749``, and an entry's
``aliases`` cite it too, so standards keep their usual spelling. The registry is ``schemas/sources.json``
(a JSON Schema whose single example is the shipped registry, like ``common/golive.json``) plus a
``sources.json`` of the same shape (``{"sources": [...]}``) at the top of each users' contract folder, for
the documents their own contracts cite. Resolution lives here only: the catalog, the contract self-tests
and ``contract import`` all read a citation the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from apiconform.contracts.loader import contract_roots, load_schema, schemas_dir
from apiconform.errors import ConfigError

REGISTRY = "sources.json"
# a cited id: a slug with at least one hyphen followed by ':' (unknown ones are reported), or a known id
_CITED = re.compile(r"(?<![\w./-])([a-z][a-z0-9]*(?:-[a-z0-9]+)+):(?=\s|$)")
_RFC = re.compile(r"\bRFC (\d{3,5})\b")
_SECTION = re.compile(r"^(?:section )?\d+(?:\.\d+)*(?:,? ?\d+(?:\.\d+)*)*")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
# what a user-facing x-source must not name: files of the project's own notes, meaningless to a reader
INTERNAL_NAME = re.compile(r"\d{3}_[0-9a-f]{16}\.txt|vendor-facts\.md|ARCHITECTURE\.md|\bseeds? 00\d", re.IGNORECASE)


@dataclass(frozen=True)
class Source:
    """One document of the registry."""

    id: str
    vendor: str
    title: str
    read: str
    url: str | None = None
    kind: str = "vendor"
    note: str | None = None
    aliases: tuple[str, ...] = ()
    origin: str = ""

    def label(self, link: Callable[[str, str], str] | None = None) -> str:
        """``Title <url>`` (or the title alone when no URL is known); ``link`` formats title and url."""
        if not self.url:
            return self.title
        return link(self.title, self.url) if link else f"{self.title} <{self.url}>"


@dataclass(frozen=True)
class Citation:
    """One document an ``x-source`` cites, with the quote that follows the id (None when there is none)."""

    id: str
    quote: str | None
    source: Source | None
    start: int = 0
    end: int = 0

    @property
    def resolved(self) -> bool:
        return self.source is not None


def _entries(data: Any, origin: str) -> list[Source]:
    items = data.get("sources", []) if isinstance(data, dict) else []
    return [
        Source(
            id=item["id"],
            vendor=item["vendor"],
            title=item["title"],
            read=item["read"],
            url=item.get("url"),
            kind=item.get("kind", "vendor"),
            note=item.get("note"),
            aliases=tuple(item.get("aliases", ())),
            origin=origin,
        )
        for item in items
    ]


def read_registry(path: Path) -> list[Source]:
    """The entries of a users' ``sources.json``, validated; a ConfigError of one line when it is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot be read as JSON ({exc}); fix it or remove it") from None
    validator = Draft202012Validator(load_schema(REGISTRY), format_checker=Draft202012Validator.FORMAT_CHECKER)
    error = next(iter(sorted(validator.iter_errors(data), key=lambda e: list(e.path))), None)
    if error is not None:
        where = "/".join(str(p) for p in error.path) or "(root)"
        raise ConfigError(f"{path}: not a sources registry at {where}: {error.message}; see schemas/{REGISTRY}")
    return _entries(data, str(path))


def shipped_sources() -> list[Source]:
    """The registry shipped with the contracts (the example of ``schemas/sources.json``)."""
    return _entries(load_schema(REGISTRY)["examples"][0], str(schemas_dir() / REGISTRY))


@cache
def _load(roots: tuple[Path, ...], stamps: tuple[int, ...]) -> dict[str, Source]:
    found: dict[str, Source] = {}
    entries = shipped_sources()
    for root in roots[1:]:
        path = root / REGISTRY
        if path.is_file():
            entries += read_registry(path)
    for entry in entries:
        if entry.id in found:
            raise ConfigError(
                f"{entry.origin}: source id {entry.id!r} is already defined in {found[entry.id].origin}; "
                "cite that entry or choose another id"
            )
        found[entry.id] = entry
    return found


def load_sources() -> dict[str, Source]:
    """Id -> entry: the shipped registry, then each users' contract folder's ``sources.json``."""
    roots = tuple(contract_roots())
    stamps = tuple(p.stat().st_mtime_ns if p.is_file() else 0 for p in (r / REGISTRY for r in roots[1:]))
    return _load(roots, stamps)


def _quote_after(text: str, end: int) -> str | None:
    """The quoted text (or, without quotes, the words up to the next ``;``) after a cited id (an RFC's
    section number skipped)."""
    rest = _SECTION.sub("", text[end:].lstrip(" :")).lstrip(" :")
    if rest.startswith('"'):
        match = _QUOTED.match(rest)
        if match:
            return match.group(0)[1:-1].replace('\\"', '"')
    words = rest.split(";", 1)[0].strip()
    return words or None


def _unquoted(text: str) -> str:
    """The text with every quotation blanked (same length), so ids are never read inside a quote."""
    return _QUOTED.sub(lambda m: " " * len(m.group(0)), text)


def resolve(x_source: str, sources: dict[str, Source] | None = None) -> list[Citation]:
    """Every document an ``x-source`` cites, in order; an unknown id is a Citation whose source is None."""
    registry = load_sources() if sources is None else sources
    plain = _unquoted(x_source)
    spans: dict[int, Citation] = {}

    def cite(ident: str, start: int, end: int) -> None:
        if not any(c.start <= start < c.end for c in spans.values()):
            spans[start] = Citation(ident, _quote_after(x_source, end), registry.get(ident), start, end)

    for match in _CITED.finditer(plain):
        cite(match.group(1), match.start(1), match.end(1))
    for ident in registry:
        for match in re.finditer(rf"(?<![\w./-]){re.escape(ident)}(?![\w-])", plain):
            cite(ident, match.start(), match.end())
    for match in _RFC.finditer(plain):
        cite(f"rfc{match.group(1)}", match.start(), match.end())
    for entry in registry.values():
        for alias in entry.aliases:
            for match in re.finditer(re.escape(alias), plain):
                cite(entry.id, match.start(), match.end())
    return [spans[start] for start in sorted(spans)]


def problems(x_source: str, sources: dict[str, Source] | None = None) -> list[str]:
    """Why an ``x-source`` does not resolve: ids not in the registry, internal file names (one line each)."""
    found = [
        f"cites {c.id!r}, which is not in the sources registry" for c in resolve(x_source, sources) if not c.resolved
    ]
    found += [
        f"names {m.group(0)!r}, an internal file; cite a registry entry" for m in INTERNAL_NAME.finditer(x_source)
    ]
    return found


def describe(x_source: str, link: Callable[[str, str], str] | None = None) -> str:
    """The ``x-source`` for a reader: each cited id replaced by its document's title and link.

    ``att-ordering-api: "The response ..."`` -> ``AT&T Alliance Ordering API <url>: "The response ..."``
    (a vendor document's alias too); a standard keeps its spelling (``RFC 6749``) and gains its link once.
    Unknown ids are left as written.
    """
    out, last, linked = [], 0, set()
    for citation in resolve(x_source):
        source = citation.source
        if source is None:
            continue
        out.append(x_source[last : citation.start])
        written = x_source[citation.start : citation.end]
        if written == source.id or (source.kind != "standard" and written in source.aliases):
            out.append(source.title if source.id in linked else source.label(link))  # linked once
        elif source.url and source.id not in linked:
            out.append(link(written, source.url) if link else f"{written} <{source.url}>")
        else:
            out.append(written)
        linked.add(source.id)
        last = citation.end
    out.append(x_source[last:])
    return "".join(out)


def cited(x_sources: Iterable[str]) -> list[Source]:
    """The registry entries a set of ``x-source`` texts cite, in registry order."""
    ids = {c.id for text in x_sources for c in resolve(text) if c.resolved}
    return [entry for ident, entry in load_sources().items() if ident in ids]
