"""Accepted deviations: accepted while they hold, failing again when they expire or the deviation changes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from apiconform.config.deviations import judge, load_deviations
from apiconform.errors import ConfigError

NODE = "suites/test_auth.py::test_api_key_credentials_refused[att-end-customer-lookup:lookupEndCustomer:sandbox:x]"
SEEN = "the challenge is not the documented one"


def deviations(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deviations.toml"
    path.write_text(text, encoding="utf-8")
    return path


def entry(message: str = SEEN, expires: str = "2099-01-01", test: str = "*att-end-customer-lookup*") -> str:
    return (
        f'[[deviation]]\ntest = "{test}"\ncheck = "challenge_header_present"\nmessage = "{message}"\n'
        f'reason = "ticket VND-12: their gateway sends a Basic challenge"\nexpires = {expires}\n'
    )


@pytest.mark.parametrize(
    ("text", "judgement"),
    [
        (entry(), "accepted"),
        (entry(expires="2020-01-01"), "expired"),
        (entry(message="the challenge is missing"), "changed"),
        (entry(test="*chorus*"), None),
    ],
)
def test_a_failure_is_judged_against_the_deviations(tmp_path: Path, text: str, judgement: str | None) -> None:
    found = judge(
        load_deviations(deviations(tmp_path, text)), NODE, "challenge_header_present", SEEN, date(2026, 12, 1)
    )
    assert (found.judgement if found else None) == judgement


def test_another_check_on_the_same_test_is_not_accepted(tmp_path: Path) -> None:
    entries = load_deviations(deviations(tmp_path, entry()))
    assert judge(entries, NODE, "error_body_documented", SEEN, date(2026, 12, 1)) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[deviation]]\ncheck = "x"\n', "reason"),
        ('[[deviation]]\nreason = "because we said so"\n', "names neither test nor check"),
        ('[[deviation]]\ncheck = "x"\nreason = "ok ok"\nexpires = "soon"\n', "expires"),
        ("[[deviation]\n", "not valid TOML"),
    ],
)
def test_bad_deviation_files_are_one_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        load_deviations(deviations(tmp_path, text))
    assert "\n" not in str(raised.value)
