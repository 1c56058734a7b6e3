"""Accepted deviations: what a team knows its vendor does differently, kept in its repository.

An accepted deviation turns a failure into "accepted" only while it holds: until it expires, and only for the
same deviation (``message`` pins the failure's first line: a different status, field or message is a new
regression and fails again). Without ``message`` any failure of that test and check is accepted, which the
summary says, so a team can tighten it.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from apiconform.config.model import Deviation, DeviationsFile
from apiconform.errors import ConfigError

Judgement = Literal["accepted", "expired", "changed"]


def load_deviations(path: Path) -> tuple[Deviation, ...]:
    """The file's deviations, each with a test or a check; one line per problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"deviations file {path} not found; create it or remove 'deviations' from the target"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(f"deviations file {path} is not UTF-8 text; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        entries = DeviationsFile.model_validate(data).deviation
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"{path}: {where}: {first['msg']} (each [[deviation]] needs reason, and test or check)"
        ) from None
    for number, entry in enumerate(entries, 1):
        if not entry.test and not entry.check:
            raise ConfigError(f"{path}: deviation {number} names neither test nor check; add one so it cannot hide all")
    return tuple(entries)


@dataclass(frozen=True)
class Verdict:
    judgement: Judgement
    entry: Deviation

    def note(self) -> str:
        until = f" until {self.entry.expires}" if self.entry.expires else ""
        if self.judgement == "accepted":
            return f"accepted deviation{until}: {self.entry.reason}"
        if self.judgement == "expired":
            return f"accepted deviation expired on {self.entry.expires}: {self.entry.reason}"
        return f"the accepted deviation changed (recorded: {self.entry.message!r}); {self.entry.reason}"


def judge(deviations: tuple[Deviation, ...], nodeid: str, check: str, message: str, today: date) -> Verdict | None:
    """How a failure stands against the accepted deviations (None: no entry speaks of it)."""
    found: Verdict | None = None
    for entry in deviations:
        if entry.test and entry.test != nodeid and not fnmatch.fnmatchcase(nodeid, entry.test):
            continue
        if entry.check and entry.check != check:
            continue
        if entry.message is not None and entry.message.strip() != message.strip():
            found = found or Verdict("changed", entry)
            continue
        if entry.expires is not None and entry.expires < today:
            found = Verdict("expired", entry)
            continue
        return Verdict("accepted", entry)
    return found


def record_deviations(results: Path, reason: str, expires: date | None) -> str:
    """A deviations file accepting every contract failure of a run as it is now (pinned by its message), for a
    team that has reviewed them: any later change of those failures, and any new one, fails again."""
    import json
    import re

    try:
        tests = json.loads(results.read_text(encoding="utf-8")).get("tests", [])
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{results}: not a results.json of a run ({exc}); pass reports/results.json") from None
    headline = re.compile(r"^\[[\w-]+\] ([\w:, -]+?): (.*)$")
    entries = []
    for test in tests:
        message = str(test.get("message", "")).strip().splitlines()
        if message and message[0].startswith("[warning]"):  # --strict: the first broken assumption follows
            message = message[1:]
        found = headline.match(message[0]) if test.get("outcome") in ("failed", "error") and message else None
        if found is None:
            continue
        lines = [
            "[[deviation]]",
            f"test = {json.dumps(test['nodeid'])}",
            f"check = {json.dumps(found.group(1))}",
            f"message = {json.dumps(found.group(2))}",
            f"reason = {json.dumps(reason)}",
        ]
        if expires is not None:
            lines.append(f"expires = {expires.isoformat()}")
        entries.append("\n".join(lines))
    return "\n\n".join(entries) + ("\n" if entries else "")
