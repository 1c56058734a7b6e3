"""The one redaction step every output goes through: terminal, logs, Allure, JUnit, cassettes.

Three nets, applied by ``redact_text`` in this order, each in time linear in the length of the text:

1. **Known secrets** (registered when credentials are loaded or tokens issued, ``register_secret`` /
   ``register_basic``) are masked in every form we or a server may write them: plain; base64 standard and
   URL-safe, padded and not, alone, as Basic ``user:password``, and embedded at any byte offset of a larger
   base64 payload (the part of the encoding that depends on the secret alone); URL-encoded (``quote`` with and
   without ``/`` safe, ``quote_plus``, lower-case hex); JSON-escaped (``\\/`` and ``\\uXXXX`` too, and escaped
   twice); HTML-escaped. A form is also masked when only a **fragment** of it is left: a prefix or suffix of at
   least 8 characters anywhere (what a ``text[:N]`` or ``text[-N:]`` leaves of a secret cut in half), and for
   forms shorter than 16 characters a prefix or suffix of at least half the form, but only at a truncation
   boundary (the end or start of the text, or next to an ellipsis ``...``/``…``), where a short fragment is
   not a coincidence.

   How, in one pass: every form contributes two 6-character *anchors*, its first and last six characters.
   The anchors present in the text are found with C-speed substring scans (``anchor in text`` while there
   are few anchors, else one set intersection of the text's 6-grams: either way linear in the text). Each
   occurrence of an anchor is extended to the longest matching prefix (or suffix) of its forms by binary
   search over ``str.startswith``/``str.endswith``; the spans found are merged and masked in a single
   rebuild of the text, so overlapping secrets never leave a piece behind. The anchor tables are rebuilt
   (copy on write) only when a secret is registered.

2. **Secret-looking names** (``is_secret_name``): values under such names are masked even when we never
   saw them, in JSON or repr ``"key": "value"``, ``key="value"``, form and query ``key=value``, headers and
   decoded JSON (``redact_headers``, ``redact_data``, ``redact_url``). The names: anything containing
   secret, password, passwd, pwd, token, authorization, api key, cookie, credential; the word jwt; ``key``
   alone or after api/access/secret/private/signing/client/app/subscription/master/encryption/license
   (``x-api-key``, ``apikey``, ``access_key``; not ``monkey``, ``keyboard`` or ``idempotency_key``);
   ``auth`` and ``bearer`` as the last word (``auth``, ``basic_auth``; not ``auth-defect`` or
   ``bearer_challenge``); ``session``, ``x-session``, ``sessionId``/``session_id``, ``sid``,
   ``jsessionid``; ``access`` and ``refresh`` as whole names. Identifiers and metadata are not secrets: a
   name ending in type, sid, id, endpoint, url, uri, name, hint, format, status, method, scheme, error,
   count, length, ttl, kind, or with a word date, time, expires, expiry, expiration (``token_type``,
   ``token_sid``, ``partner_sid``, ``keyId``, ``tokenUrl``, ``date_expiration_access_token``,
   ``refresh_token_expires_in``); ``NOT_SECRET`` lists a few more. Fields a contract marks secret
   (``format: password``, ``writeOnly: true``, ``x-apiconform-secret: true``) are added by name with
   ``register_secret_fields`` and always count as secret.

3. **Secret-looking values** anywhere: ``Basic``/``Bearer`` credentials, URL userinfo passwords
   (``https://user:[REDACTED]@host``), JWTs (``eyJ...`` header, ``.eyJ...`` payload, signature), and long
   token-like runs: 32 or more characters of ``[A-Za-z0-9+/_-]`` (with ``=`` padding) that mix upper case,
   lower case and digits and change character class often (at least a quarter of adjacent pairs), which is
   what random base64 looks like and camelCase or snake_case identifiers, paths and node ids do not.
   Hexadecimal runs (with or without ``-``) are masked only from 64 characters on: UUIDs, md5 history ids,
   client ids and 12-character schema fingerprints are identifiers reports need.

Linearity: no pattern here nests one quantifier inside another, every repeated item is one or two
characters wide, unbounded repeats only end a pattern (nothing after them can fail, so nothing
backtracks into them) and the other repeats are bounded by a small constant; the patterns that start at
a word or a run are anchored by a look-behind so that a long run is entered once. ``tests/
test_redaction_forms.py`` checks these rules on every pattern of the module; ``scripts/
bench_redaction.py`` measures it.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

MASK = "[REDACTED]"
SECRET_NAME = re.compile(
    r"(secret|password|passwd|pwd|token|authorization|api[-_]?key|cookie|credential|voip_token)",
    re.IGNORECASE,
)
NOT_SECRET = frozenset({"token_type", "token_sid", "token_endpoint", "www-authenticate"})

_MIN_SECRET_LENGTH = 6
_ANCHOR = 6  # every form is found through its first and last six characters
_FRAGMENT = 8  # a prefix or suffix this long is masked anywhere
_SHORT_FRAGMENT = 4  # the shortest fragment masked at all (at a truncation boundary, forms under 16 chars)
_MID_BASE64 = 12  # the offset-independent part of an embedded base64 encoding, when at least this long
_FEW_ANCHORS = 200  # up to this many anchors, `anchor in text` beats scanning the text's 6-grams
_ELLIPSES = ("...", "\u2026")

# -- names -------------------------------------------------------------------------------------------------
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
_ALWAYS_SECRET = frozenset(
    {"sessionid", "sid", "jsessionid", "phpsessid", "session", "access", "refresh", "key", "apikey", "auth"}
    | {"jwt", "bearer", "accesskey", "secretkey", "privatekey"}
)
_KEY_QUALIFIERS = frozenset(
    {"api", "access", "secret", "private", "signing", "client", "app", "application", "subscription"}
    | {"master", "encryption", "license", "licence", "auth", "session"}
)
_IDENTIFIER_LAST = frozenset(
    {"type", "sid", "id", "ids", "endpoint", "url", "uri", "name", "hint", "format", "status", "method"}
    | {"scheme", "error", "count", "length", "ttl", "kind"}
)
_METADATA_WORDS = frozenset({"date", "time", "expires", "expiry", "expiration", "expire"})

# -- values ------------------------------------------------------------------------------------------------
_BASIC_BEARER = re.compile(r"(?i)\b(basic|bearer)[ \t]{1,8}[A-Za-z0-9._~+/=-]{8,}")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,30}://[^\s/?#@:\"'<>]{0,128}:)([^\s/?#\"'<>]{1,256})(?=@)")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,256}\.eyJ[A-Za-z0-9_.-]*")
_JWT_PARTS = re.compile(r"[A-Za-z0-9_-]{0,16384}")
_QUOTED_PAIR = re.compile(
    r"""(?<![\w.-])(["']?)([A-Za-z_][\w.-]{0,63})\1([ \t]{0,4}[:=][ \t]{0,4})(?:(")(?:[^"\\\n]|\\.)*|(')[^'\n]*)"""
)
_FORM_PAIR = re.compile(r"(?<![\w.-])([A-Za-z_][\w.-]{0,63}=)([^&\s\"';]*)")
_TOKEN_RUN = re.compile(r"[A-Za-z0-9+/_-]{32,}={0,2}")
_HEX = frozenset("0123456789abcdefABCDEF-")
_PERCENT = re.compile(r"%[0-9A-F]{2}")

_lock = threading.Lock()
_known: set[str] = set()
_fields: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Form:
    """One written form of a secret; ``short`` is the shortest fragment masked at a truncation boundary."""

    text: str
    fragments: bool
    short: int


@dataclass(frozen=True)
class _Table:
    """An immutable snapshot of the anchors (replaced, never mutated, so readers need no lock)."""

    prefix: dict[str, tuple[_Form, ...]] = field(default_factory=dict)
    suffix: dict[str, tuple[_Form, ...]] = field(default_factory=dict)
    short_prefix: frozenset[str] = frozenset()  # fragments of 4-5 characters that may end a text
    short_suffix: frozenset[str] = frozenset()  # ... and that may start one

    def plus(self, forms: Iterable[_Form]) -> _Table:
        prefix, suffix = dict(self.prefix), dict(self.suffix)
        short_prefix, short_suffix = set(self.short_prefix), set(self.short_suffix)
        for form in forms:
            head, tail = form.text[:_ANCHOR], form.text[-_ANCHOR:]
            if form not in prefix.get(head, ()):
                prefix[head] = (*prefix.get(head, ()), form)
            if form.fragments:
                if form not in suffix.get(tail, ()):
                    suffix[tail] = (*suffix.get(tail, ()), form)
                for size in range(form.short, _ANCHOR):
                    short_prefix.add(form.text[:size])
                    short_suffix.add(form.text[-size:])
        return _Table(prefix, suffix, frozenset(short_prefix), frozenset(short_suffix))


_table = _Table()


def _form(text: str, fragments: bool = True) -> _Form:
    short = len(text) if not fragments else (_FRAGMENT if len(text) >= 2 * _FRAGMENT else (len(text) + 1) // 2)
    return _Form(text, fragments, max(short, _SHORT_FRAGMENT))


def _lower_hex(text: str) -> str:
    return _PERCENT.sub(lambda m: m.group(0).lower(), text)


def _base64_forms(raw: bytes) -> list[_Form]:
    """Standalone encodings (with fragments), and the parts that do not depend on the byte offset."""
    out = []
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(raw).decode("ascii")
        out += [_form(whole), _form(whole.rstrip("="))]
        for offset, skip in ((0, 0), (1, 2), (2, 3)):
            data = b"\0" * offset + raw
            middle = encode(data[: len(data) - len(data) % 3]).decode("ascii")[skip:]
            if len(middle) >= _MID_BASE64:
                out.append(_form(middle, fragments=False))
    return out


def _forms(value: str) -> list[_Form]:
    """Every way ``value`` may be written into an output."""
    texts = [value]
    for quoted in (quote(value, safe=""), quote(value), quote_plus(value), quote_plus(value, safe="/")):
        texts += [quoted, _lower_hex(quoted)]
    escaped = json.dumps(value)[1:-1]
    texts += [escaped, escaped.replace("/", "\\/"), json.dumps(value, ensure_ascii=False)[1:-1]]
    texts += [json.dumps(escaped)[1:-1], html.escape(value), html.escape(value, quote=False)]
    out = [_form(t) for t in dict.fromkeys(texts)]
    out += _base64_forms(value.encode("utf-8"))
    seen: dict[str, _Form] = {}
    for form in out:  # a form found twice keeps its most masking variant
        if len(form.text) >= _MIN_SECRET_LENGTH and (form.text not in seen or form.fragments):
            seen[form.text] = form
    return list(seen.values())


def _add(forms: list[_Form], *values: str) -> None:
    global _table
    with _lock:
        _known.update(values)
        _table = _table.plus(forms)


def register_secret(value: str) -> None:
    """Remember a secret value (and its encodings) so every later output masks it."""
    if not value or len(value) < _MIN_SECRET_LENGTH or MASK in value or value in MASK:
        return
    with _lock:
        if value in _known:
            return
    _add(_forms(value), value)


def register_basic(username: str, password: str) -> None:
    """A Basic credential: the password in all its forms, and ``username:password`` in base64."""
    register_secret(password)
    pair = f"{username}:{password}"
    if not password or pair in known_secrets():
        return
    _add(_base64_forms(pair.encode("utf-8")), pair, base64.b64encode(pair.encode("utf-8")).decode("ascii"))


def register_secret_fields(names: Iterable[str]) -> None:
    """Field names a contract marks secret; their values are masked by name wherever JSON is redacted."""
    global _fields
    with _lock:
        _fields = _fields | {str(n).lower() for n in names if n}
    _classify.cache_clear()


def known_secrets() -> frozenset[str]:
    with _lock:
        return frozenset(_known)


# -- known secrets: one pass -------------------------------------------------------------------------------
def _present(anchors: Mapping[str, object], text: str) -> list[str]:
    if len(anchors) <= _FEW_ANCHORS:
        return [a for a in anchors if a in text]
    found: set[str] = set()
    keys = anchors.keys()
    for start in range(0, len(text) - _ANCHOR + 1, 65536):
        stop = min(start + 65536, len(text) - _ANCHOR + 1)
        found |= {text[i : i + _ANCHOR] for i in range(start, stop)} & keys
    return list(found)


def _positions(text: str, needle: str) -> Iterable[int]:
    at = text.find(needle)
    while at != -1:
        yield at
        at = text.find(needle, at + 1)


def _prefix_length(text: str, at: int, form: str) -> int:
    """The longest ``m`` with ``text[at:at+m] == form[:m]`` (the first ``_ANCHOR`` are known to match)."""
    low, high = _ANCHOR, min(len(form), len(text) - at)
    while low < high:
        middle = (low + high + 1) // 2
        if text.startswith(form[:middle], at):
            low = middle
        else:
            high = middle - 1
    return low


def _suffix_length(text: str, end: int, form: str) -> int:
    """The longest ``m`` with ``text[end-m:end] == form[-m:]`` (the last ``_ANCHOR`` are known to match)."""
    low, high = _ANCHOR, min(len(form), end)
    while low < high:
        middle = (low + high + 1) // 2
        if text.endswith(form[-middle:], 0, end):
            low = middle
        else:
            high = middle - 1
    return low


def _ends_here(text: str, at: int) -> bool:
    """A truncation boundary after ``at``: the end of the text or an ellipsis."""
    return at == len(text) or text.startswith(_ELLIPSES, at)


def _starts_here(text: str, at: int) -> bool:
    return at == 0 or text.endswith(_ELLIPSES, 0, at)


def _known_spans(text: str, table: _Table) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for anchor in _present(table.prefix, text):
        for at in _positions(text, anchor):
            for form in table.prefix[anchor]:
                size = _prefix_length(text, at, form.text)
                if size == len(form.text) or (
                    form.fragments and (size >= _FRAGMENT or (size >= form.short and _ends_here(text, at + size)))
                ):
                    spans.append((at, at + size))
    for anchor in _present(table.suffix, text):
        for at in _positions(text, anchor):
            end = at + _ANCHOR
            for form in table.suffix[anchor]:
                size = _suffix_length(text, end, form.text)
                if size >= _FRAGMENT or (size >= form.short and _starts_here(text, end - size)):
                    spans.append((end - size, end))
    if table.short_prefix:
        ends = [len(text)] + [at for e in _ELLIPSES for at in _positions(text, e)]
        for end in ends:
            spans += [
                (end - n, end)
                for n in range(_SHORT_FRAGMENT, _ANCHOR)
                if n <= end and text[end - n : end] in table.short_prefix
            ]
        starts = [0] + [at + len(e) for e in _ELLIPSES for at in _positions(text, e)]
        for start in starts:
            spans += [
                (start, start + n)
                for n in range(_SHORT_FRAGMENT, _ANCHOR)
                if text[start : start + n] in table.short_suffix
            ]
    return spans


def _mask_spans(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    out, position = [], 0
    spans.sort()
    start, end = spans[0]
    for next_start, next_end in spans[1:]:
        if next_start <= end:
            end = max(end, next_end)
            continue
        out += [text[position:start], MASK]
        position, start, end = end, next_start, next_end
    out += [text[position:start], MASK, text[end:]]
    return "".join(out)


def redact_known(text: str) -> str:
    """Mask only the registered secrets (all forms and fragments), in one pass; no pattern is applied."""
    if not text:
        return text
    return _mask_spans(text, _known_spans(text, _table))


# -- names -------------------------------------------------------------------------------------------------
def _words(name: str) -> list[str]:
    return [w.lower() for w in _WORD_SPLIT.split(name) if w]


@lru_cache(maxsize=8192)
def _classify(name: str) -> bool:
    lowered = name.lower()
    if lowered in _fields:
        return True
    if lowered in NOT_SECRET:
        return False
    words = _words(name)
    if not words:
        return False
    if "".join(words) in _ALWAYS_SECRET:
        return True
    if words[-1] in _IDENTIFIER_LAST or _METADATA_WORDS.intersection(words):
        return False
    if SECRET_NAME.search(name) or "jwt" in words:
        return True
    last = words[-1]
    if last == "key":
        return len(words) == 1 or words[-2] in _KEY_QUALIFIERS or words[-2].endswith("api")
    if last == "session":
        return len(words) == 2 and words[0] == "x"
    return last in {"auth", "bearer"}


def is_secret_name(name: str) -> bool:
    """Names that carry credentials; ``token_type`` and ``token_sid`` are identifiers, not secrets."""
    return _classify(str(name))


# -- text --------------------------------------------------------------------------------------------------
_PATH_SEGMENT = re.compile(r"[A-Za-z0-9_.-]{1,24}")


def _path_like(run: str) -> bool:
    """``org/API-Security/editions/2023/en`` is a URL path, not a token: two or more short slash-separated
    segments (base64 secrets are one long run, and URL-safe tokens carry no slash)."""
    segments = run.strip("/").split("/")
    return len(segments) >= 3 and all(_PATH_SEGMENT.fullmatch(part) for part in segments)


def _token_like(run: str) -> bool:
    if _path_like(run):
        return False
    body = run.rstrip("=")
    if _HEX.issuperset(body):
        return len(body.replace("-", "")) >= 64
    if not (any(c.isupper() for c in body) and any(c.islower() for c in body) and any(c.isdigit() for c in body)):
        return False
    kinds = [0 if c.isupper() else 1 if c.islower() else 2 for c in body if c.isalnum()]
    changes = sum(a != b for a, b in itertools.pairwise(kinds))
    return changes * 4 >= len(kinds) - 1


def _mask_jwt(match: re.Match[str]) -> str:
    """Header, payload and signature masked; a dot and text after the signature are kept."""
    text = match.group(0)
    rest = text.partition(".")[2]
    payload, dot, after = rest.partition(".")
    if not dot:
        return MASK if len(payload) >= 8 else text
    signature = _JWT_PARTS.match(after)
    consumed = signature.end() if signature else 0
    return MASK + after[consumed:]


def _mask_pair(match: re.Match[str]) -> str:
    """``"key": "value"`` and ``key='value'``: the value masked up to its closing quote (kept) or line end."""
    if not is_secret_name(match.group(2)):
        return match.group(0)
    opened = match.end(4) if match.group(4) else match.end(5)
    value = match.string[opened : match.end()]
    if not value or value == MASK:
        return match.group(0)
    return match.string[match.start() : opened] + MASK


def _mask_form(match: re.Match[str]) -> str:
    key, value = match.group(1), match.group(2)
    if not value or value == MASK or not is_secret_name(key[:-1]):
        return match.group(0)
    return key + MASK


def _mask_run(match: re.Match[str]) -> str:
    return MASK if _token_like(match.group(0)) else match.group(0)


_PASSES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_USERINFO, lambda m: m.group(1) + MASK),
    (_JWT, _mask_jwt),
    (_BASIC_BEARER, lambda m: f"{m.group(1)} {MASK}"),
    (_QUOTED_PAIR, _mask_pair),
    (_FORM_PAIR, _mask_form),
    (_TOKEN_RUN, _mask_run),
)


def redact_text(text: str) -> str:
    """Mask known secrets (all forms, fragments), then secret-looking values and name/value pairs."""
    if not text:
        return text
    text = redact_known(text)
    for pattern, mask in _PASSES:
        text = pattern.sub(mask, text)
    return text


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Mask every header whose name looks secret (Authorization, X-Chorus-Client-Secret, client_secret...)."""
    return {k: (MASK if is_secret_name(k) else redact_text(v)) for k, v in headers.items()}


def redact_data(data: Any) -> Any:
    """A copy of decoded JSON (or form fields) with secret-named keys masked and strings scrubbed."""
    if isinstance(data, Mapping):
        return {k: (MASK if is_secret_name(str(k)) and v is not None else redact_data(v)) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [redact_data(v) for v in data]
    if isinstance(data, str):
        return redact_text(data)
    return data


def redact_url(url: str) -> str:
    """Secret query parameters masked by name, userinfo passwords and known secrets masked."""
    parts = urlsplit(url)
    if not parts.query:
        return redact_text(url)
    query = [(k, MASK if is_secret_name(k) else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return redact_text(urlunsplit(parts._replace(query=urlencode(query, safe="[]"))))
