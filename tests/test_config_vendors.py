"""Configuring a vendor that is not our sandbox: purposes, fields, operations, inputs per environment, contracts."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from apiconform.config import load_config, resolve_target
from apiconform.contracts import api_names, set_contract_folders
from apiconform.errors import ConfigError
from apiconform.targets.budget import RequestBudget
from apiconform.targets.client import TargetClient
from apiconform.targets.profiles import profile_named
from apiconform.targets.session import RoleMissing, TargetSession

CHORUS = 'base_urls = { chorus-line-test = "https://api.sandbox.chorus.co.nz/linetest/v1" }'


@pytest.fixture(autouse=True)
def _shipped_contracts_only() -> Iterator[None]:
    yield
    set_contract_folders([])


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "apiconform.toml"
    path.write_text(text, encoding="utf-8")
    return path


def session(tmp_path: Path, text: str) -> TargetSession:
    target = resolve_target("v", load_config(write(tmp_path, text)))
    return TargetSession(target, TargetClient(RequestBudget(10, 10), allow_writes=False), profile_named("quick"))


@pytest.mark.parametrize(
    ("fragment", "message"),
    [
        ('client_sercet = "X"', "unknown credential field 'client_sercet'; did you mean 'client_secret'?"),
        ('purpose = "isolation"\nclient_id = "X"', "purpose: Input should be 'main', 'other_organisation'"),
        (
            'apis = ["chorus-line-tst"]\nclient_id = "X"',
            "unknown API 'chorus-line-tst'; did you mean 'chorus-line-test'?",
        ),
    ],
)
def test_bad_credential_entries_are_one_line_each(tmp_path: Path, fragment: str, message: str) -> None:
    text = f"[targets.v.environments.sandbox]\n{CHORUS}\n[targets.v.environments.sandbox.credentials.app]\n{fragment}\n"
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, text))
    assert message in str(raised.value)
    assert len(str(raised.value).splitlines()) == 1


def test_roles_are_found_by_purpose_and_missing_ones_name_the_configuration_to_add(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("V_ID", "id-1")
    monkeypatch.setenv("V_SECRET", "secret-1")
    text = (
        f"[targets.v.environments.sandbox]\n{CHORUS}\n"
        '[targets.v.environments.sandbox.credentials.ours]\nclient_id = "V_ID"\nclient_secret = "V_SECRET"\n'
    )
    s = session(tmp_path, text)
    assert s.role_for("sandbox", "chorus-line-test") == "ours"
    with pytest.raises(RoleMissing) as missing:
        s.require_role("sandbox", "chorus-line-test", "other_organisation")
    message = str(missing.value)
    snippet = re.search(r"add (\[.*)$", message)
    assert snippet is not None
    header, _, rest = snippet.group(1).partition("] with ")
    body = "\n".join(part.strip() for part in re.split(r", (?=\w+ = )", rest)).replace("<ENV VAR>", "V_OTHER")
    suggested = text + header.replace("<name>", "theirs") + "]\n" + body + "\n"
    assert tomllib.loads(suggested)  # what the message suggests is TOML ...
    load_config(write(tmp_path, suggested))  # ... that the loader accepts


def test_include_exclude_and_reasons(tmp_path: Path) -> None:
    text = (
        '[targets.v.apis.chorus-line-test]\ninclude = ["tag:Tests", "getProduct", "path:/tests*"]\n'
        'exclude = ["createTest"]\nexclude_reason = "the vendor has no write access for us"\n'
        f"[targets.v.environments.sandbox]\n{CHORUS}\n"
    )
    s = session(tmp_path, text)
    offered = {op.operation_id for op in s.operations("chorus-line-test")}
    assert offered == {"listTests", "getTest", "getProduct"}
    assert [(op.operation_id, why) for op, why in s.excluded("chorus-line-test")] == [
        ("createTest", "the vendor has no write access for us")
    ]


def test_known_inputs_per_environment_replace_the_target_wide_ones(tmp_path: Path) -> None:
    text = (
        '[[targets.v.known_inputs.chorus-line-test.getProduct]]\npath_parameters = { productId = "ALL" }\n'
        f"[targets.v.environments.sandbox]\n{CHORUS}\n"
        "[[targets.v.environments.sandbox.known_inputs.chorus-line-test.getProduct]]\n"
        'path_parameters = { productId = "SBX" }\n'
        "[targets.v.environments.production]\nproduction = true\n"
        'base_urls = { chorus-line-test = "https://api.chorus.co.nz/linetest/v1" }\n'
    )
    s = session(tmp_path, text)
    assert s.known_inputs("sandbox", "chorus-line-test", "getProduct") == [{"path_parameters": {"productId": "SBX"}}]
    assert s.known_inputs("production", "chorus-line-test", "getProduct") == [{"path_parameters": {"productId": "ALL"}}]


def _contract(folder: Path, **changes: object) -> None:
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Acme Orders", "version": "1", "x-source": "Acme API guide"},
        "paths": {
            "/orders": {
                "get": {
                    "operationId": "listOrders",
                    "x-source": 'Acme API guide: "GET /orders"',
                    "security": [{"key": []}],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
        "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "query", "name": "api_key"}}},
        **changes,
    }
    (folder / "acme").mkdir(parents=True)
    (folder / "acme" / "acme-orders.openapi.json").write_text(json.dumps(document), encoding="utf-8")


def test_user_contract_folders_join_the_shipped_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _contract(tmp_path / "contracts")
    monkeypatch.setenv("ACME_KEY", "k-123")
    text = (
        'contracts = ["contracts"]\n[targets.v.environments.sandbox]\n'
        'base_urls = { acme-orders = "http://127.0.0.1:9/v1" }\n'
        '[targets.v.environments.sandbox.credentials.ours]\napi_key = "ACME_KEY"\n'
    )
    s = session(tmp_path, text)
    assert "acme-orders" in api_names()
    presented = s.present("sandbox", "acme-orders")
    assert presented.query == {"api_key": "k-123"} and presented.headers == {}


def test_a_user_contract_without_sources_is_one_line_per_problem(tmp_path: Path) -> None:
    _contract(tmp_path / "contracts", paths={"/orders": {"get": {"responses": {"200": {"description": "ok"}}}}})
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, 'contracts = ["contracts"]\n'))
    lines = str(raised.value).splitlines()
    assert any("GET /orders has no operationId" in line for line in lines)
    assert any("GET /orders has no x-source" in line for line in lines)


def test_a_missing_contract_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"contracts: folder .*nowhere not found"):
        load_config(write(tmp_path, 'contracts = ["nowhere"]\n'))
