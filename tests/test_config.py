"""apiconform.toml: validated with one clear error per bad key; credentials named, never stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from apiconform.config import load_config, resolve_target
from apiconform.errors import ConfigError

VALID = """
[targets.v]
[targets.v.budget]
requests_per_second = 5
max_requests = 100
[targets.v.environments.sandbox]
base_urls = { chorus-line-test = "https://api.sandbox.chorus.co.nz/linetest/v1" }
[targets.v.environments.sandbox.credentials.primary]
client_id = "APICONFORM_TEST_ID"
client_secret = "APICONFORM_TEST_SECRET"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "apiconform.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_resolves_credentials_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APICONFORM_TEST_ID", "id-123")
    monkeypatch.setenv("APICONFORM_TEST_SECRET", "s3cret-value-xyz")
    target = resolve_target("v", load_config(write(tmp_path, VALID)))
    sandbox = target.environments["sandbox"]
    assert sandbox.credential("primary") == {"client_id": "id-123", "client_secret": "s3cret-value-xyz"}
    assert "s3cret-value-xyz" not in repr(target), "a secret leaked through repr()"
    assert target.budget.max_requests == 100


def test_missing_variable_is_named_not_valued(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APICONFORM_TEST_ID", "id-123")
    monkeypatch.delenv("APICONFORM_TEST_SECRET", raising=False)
    target = resolve_target("v", load_config(write(tmp_path, VALID)))
    sandbox = target.environments["sandbox"]
    assert sandbox.credential("primary") is None
    assert sandbox.missing == ("primary.client_secret ($APICONFORM_TEST_SECRET)",)


def test_dotenv_file_supplies_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APICONFORM_TEST_ID", raising=False)
    monkeypatch.delenv("APICONFORM_TEST_SECRET", raising=False)
    (tmp_path / ".env.v").write_text("APICONFORM_TEST_ID=from-file\nAPICONFORM_TEST_SECRET=file-secret-1\n")
    text = VALID.replace("[targets.v]\n", '[targets.v]\ndotenv = ".env.v"\n')
    target = resolve_target("v", load_config(write(tmp_path, text)), base_dir=tmp_path)
    assert target.environments["sandbox"].credential("primary") == {
        "client_id": "from-file",
        "client_secret": "file-secret-1",
    }


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("[targets.v.budget]", "[targets.v.budgett]"),
            "unknown key 'targets.v.budgett'; did you mean 'budget'?",
        ),
        (("max_requests = 100", "max_requets = 100"), "did you mean 'max_requests'?"),
        (
            ("max_requests = 100", "max_requests = 0"),
            "targets.v.budget.max_requests: Input should be greater than 0",
        ),
        (
            ('client_secret = "APICONFORM_TEST_SECRET"', 'client_secret = "hunter2!secret"'),
            "must name an environment variable",
        ),
        (
            ("chorus-line-test =", "chorus-linetest ="),
            "unknown API 'chorus-linetest'; did you mean 'chorus-line-test'?",
        ),
        (('"https://api.sandbox.chorus.co.nz/linetest/v1"', '"not a url"'), "base_urls.chorus-line-test"),
    ],
)
def test_bad_key_gives_one_clear_line(tmp_path: Path, edit: tuple[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, VALID.replace(*edit)))
    message = str(info.value)
    assert expected in message
    assert str(tmp_path / "apiconform.toml") in message
    assert "hunter2" not in message


def test_unknown_target_suggests_close_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown target 'w'.*configured targets: embedded, v"):
        resolve_target("w", load_config(write(tmp_path, VALID)))


def test_invalid_toml_is_reported_with_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[targets\n"))


def test_absent_default_file_means_embedded_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.targets == {} and config.defaults.target == "embedded"


def test_example_file_is_valid() -> None:
    example = Path(__file__).resolve().parents[1] / "apiconform.example.toml"
    config = load_config(example)
    assert "vendor-sandbox" in config.targets
