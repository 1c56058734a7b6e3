"""The last redaction pass: rewrite every report file that still carries a secret.

Each writer already redacts what it writes, but reports are assembled by third parties too (JUnit,
allure-pytest, Allure's generator) from texts we do not control end to end. This sweep is the net under
those writers: it runs inside the pytest process at the very end of the session (where the secrets
issued during the run are registered) and again in ``apiconform run`` after pytest has exited.

Per format, so that structure survives and escaped text is seen decoded:
- JSON / JSON Lines: string values under secret-looking keys are masked and every other string goes
  through ``redact_text`` (a token inside an escaped message string is only visible once decoded);
  files are rewritten only when something changed;
- XML (JUnit): element text, tails and attribute values, decoded by the parser;
- generated HTML/JS/CSS: only known secret values are replaced (``redact_known``: every form and fragment,
  in one pass), because the inline patterns could rewrite string literals in Allure's bundled application
  code;
- anything else that decodes as UTF-8: ``redact_text`` on the whole text. Binary files are skipped.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from apiconform.reporting.redaction import MASK, is_secret_name, redact_known, redact_text

_GENERATED_CODE = {".html", ".htm", ".js", ".mjs", ".css", ".map"}


def _redact_strings(data: Any) -> Any:
    """A copy of decoded JSON: strings under secret-looking keys masked, every other string scrubbed.

    Allure parameters are ``{"name": ..., "value": ...}`` pairs, so a secret-looking ``name`` masks its
    ``value`` as well.
    """
    if isinstance(data, dict):
        named_secret = isinstance(data.get("name"), str) and is_secret_name(data["name"])
        return {
            key: MASK
            if isinstance(value, str) and value and (is_secret_name(str(key)) or (named_secret and key == "value"))
            else _redact_strings(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [_redact_strings(value) for value in data]
    if isinstance(data, str):
        return redact_text(data)
    return data


def _sweep_json_text(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return redact_text(text)
    cleaned = _redact_strings(data)
    return text if cleaned == data else json.dumps(cleaned, indent=2, ensure_ascii=False)


def _sweep_json_lines(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if not line.strip():
            lines.append(line)
            continue
        try:
            data = json.loads(line)
        except ValueError:
            lines.append(redact_text(line))
            continue
        cleaned = _redact_strings(data)
        lines.append(line if cleaned == data else json.dumps(cleaned, ensure_ascii=False))
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


def _sweep_xml(path: Path, text: str) -> bool:
    try:
        tree = ET.ElementTree(ET.fromstring(text))
    except ET.ParseError:
        return _rewrite(path, text, redact_text(text))
    changed = False
    for element in tree.iter():
        for attr in ("text", "tail"):
            value = getattr(element, attr)
            if value and (clean := redact_text(value)) != value:
                setattr(element, attr, clean)
                changed = True
        for key, value in element.attrib.items():
            if (clean := redact_text(value)) != value:
                element.attrib[key] = clean
                changed = True
    if changed:
        tree.write(path, encoding="utf-8", xml_declaration=True)
    return changed


def _rewrite(path: Path, old: str, new: str) -> bool:
    if new == old:
        return False
    path.write_text(new, encoding="utf-8")
    return True


def sweep_file(path: Path) -> bool:
    """Redact one file in place; True when it was rewritten."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (UnicodeDecodeError, OSError):
        return False
    suffix = path.suffix.lower()
    if suffix in _GENERATED_CODE:
        return _rewrite(path, text, redact_known(text))
    if suffix == ".xml":
        return _sweep_xml(path, text)
    if suffix == ".jsonl":
        return _rewrite(path, text, _sweep_json_lines(text))
    if suffix == ".json":
        return _rewrite(path, text, _sweep_json_text(text))
    return _rewrite(path, text, redact_text(text))


def sweep(paths: Iterable[Path]) -> int:
    """Redact every file at or under the given paths (missing paths are ignored); the count rewritten."""
    rewritten = 0
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        rewritten += sum(sweep_file(p) for p in files)
    return rewritten
