"""Time ``redact_text`` on token-like strings of growing size: it must be linear (ns/char flat).

    .venv/bin/python scripts/bench_redaction.py [--secrets 300] [--old]

Registers ``--secrets`` random secrets first (a run registers every credential and every issued token),
then masks 10 KB, 100 KB and 1 MB of three token-like texts: one long base64url run, ``ab1-`` repeated (a
word boundary every four characters, the input that made the old key/value pattern quadratic) and
``"key": "value"`` JSON. Prints seconds and ns per character. ``--old`` also times the previous inline
pattern on 2.5 KB, 5 KB and 10 KB of the same input, to show what quadratic looks like.
"""

from __future__ import annotations

import argparse
import re
import secrets
import time

from apiconform.reporting.redaction import redact_text, register_secret

SIZES = (10_000, 100_000, 1_000_000)
OLD = re.compile(
    r"""(?i)(["']?[\w-]*(?:secret|password|token|authorization)[\w-]*["']?\s*[:=]\s*)(["'])(?:(?!\2).)+\2"""
)


def _texts(size: int) -> dict[str, str]:
    run = secrets.token_urlsafe(size)[:size]
    return {
        "base64url run": run,
        "ab1- repeated": ("ab1-" * (size // 4 + 1))[:size],
        "json pairs": ('{"token_sid": "ZQ7XK2W9VB", "password": "p4ss-w0rd"}, ' * (size // 54 + 1))[:size],
    }


def _time(function: object, text: str) -> float:
    start = time.perf_counter()
    function(text)  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secrets", type=int, default=300, help="random secrets registered first")
    parser.add_argument("--old", action="store_true", help="also time the previous quadratic pattern")
    args = parser.parse_args()
    for _ in range(args.secrets):
        register_secret(secrets.token_urlsafe(24))
    print(f"redact_text with {args.secrets} registered secrets")
    print(f"{'input':<16}{'size':>10}{'seconds':>10}{'ns/char':>10}")
    for size in SIZES:
        for name, text in _texts(size).items():
            seconds = _time(redact_text, text)
            print(f"{name:<16}{size:>10}{seconds:>10.3f}{seconds / size * 1e9:>10.0f}")
    if args.old:
        print("previous inline pattern (one of three), for comparison")
        for size in (2_500, 5_000, 10_000):
            text = _texts(size)["ab1- repeated"]
            seconds = _time(lambda t: OLD.sub("x", t), text)
            print(f"{'ab1- repeated':<16}{size:>10}{seconds:>10.3f}{seconds / size * 1e9:>10.0f}")


if __name__ == "__main__":
    main()
