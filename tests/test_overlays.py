"""Per-vendor overlays (OpenAPI Overlay 1.0): applied, matching nothing, or breaking the document, each visibly."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from apiconform.config import load_config, resolve_target
from apiconform.contracts import load_api, set_overlays
from apiconform.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
OVERLAY = """overlay: 1.0.0
info: {title: Vendor X documents its own 401 challenge and offers no createTest, version: "1"}
actions:
  - target: $.paths['/tests'].post
    remove: true
  - target: $.paths['/tests/{testId}'].get.responses['404']
    update:
      x-source: 'Vendor X guide: "404 when the test is not yours"'
"""


@pytest.fixture(autouse=True)
def _no_overlay_left() -> Iterator[None]:
    yield
    set_overlays({})


def target_with(tmp_path: Path, overlay: str, suffix: str = ".yaml") -> Path:
    (tmp_path / f"chorus{suffix}").write_text(overlay, encoding="utf-8")
    config = tmp_path / "apiconform.toml"
    config.write_text(
        f'[targets.x.apis.chorus-line-test]\noverlay = "chorus{suffix}"\n[targets.x.environments.sandbox]\n'
        'base_urls = { chorus-line-test = "https://api.sandbox.chorus.co.nz/linetest/v1" }\n',
        encoding="utf-8",
    )
    return config


def test_an_overlay_applies_to_the_targets_contract_only(tmp_path: Path) -> None:
    config = load_config(target_with(tmp_path, OVERLAY))
    shipped = load_api("chorus-line-test").bundled
    assert "post" in shipped["paths"]["/tests"]
    resolve_target("x", config)
    effective = load_api("chorus-line-test").bundled
    assert "post" not in effective["paths"]["/tests"] and "get" in effective["paths"]["/tests"]
    assert effective["paths"]["/tests/{testId}"]["get"]["responses"]["404"]["x-source"].startswith("Vendor X")
    set_overlays({})
    assert "post" in load_api("chorus-line-test").bundled["paths"]["/tests"]


def test_an_action_matching_nothing_is_one_line_naming_file_and_action(tmp_path: Path) -> None:
    broken = OVERLAY.replace("$.paths['/tests'].post", "$.paths['/testz'].post")
    with pytest.raises(ConfigError) as raised:
        load_config(target_with(tmp_path, broken))
    message = str(raised.value)
    assert "\n" not in message
    assert "chorus.yaml: action 1 (target $.paths['/testz'].post) matches nothing" in message


def test_an_overlay_producing_invalid_openapi_is_refused(tmp_path: Path) -> None:
    invalid = 'overlay: 1.0.0\ninfo: {title: t, version: "1"}\nactions:\n  - target: $.info\n    update: {version: 3}\n'
    with pytest.raises(ConfigError, match=r"chorus.yaml makes chorus-line-test invalid OpenAPI at info/version"):
        load_config(target_with(tmp_path, invalid))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("openapi: 3.1.0\n", "not an OpenAPI Overlay 1.x document"),
        ("overlay: 1.0.0\nactions: []\n", "`actions` must be a non-empty list"),
        ("overlay: 1.0.0\nactions:\n  - target: $.info\n", "has neither update nor remove"),
        ("overlay: 1.0.0\nactions:\n  - target: '$[?'\n    remove: true\n", "not a valid JSONPath"),
    ],
)
def test_malformed_overlays_are_one_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(target_with(tmp_path, text))


def test_contract_show_prints_the_effective_contract(tmp_path: Path) -> None:
    config = target_with(tmp_path, OVERLAY)
    command = [sys.executable, "-m", "apiconform.cli", "contract", "show", "chorus-line-test"]
    shown = subprocess.run(
        [*command, "--config", str(config), "--target", "x"], capture_output=True, text=True, cwd=ROOT
    )
    assert shown.returncode == 0, shown.stderr
    assert "post" not in json.loads(shown.stdout)["paths"]["/tests"]
    plain = subprocess.run([*command, "--config", str(config)], capture_output=True, text=True, cwd=ROOT)
    assert "post" in json.loads(plain.stdout)["paths"]["/tests"]


MERGE_PATCH = """paths:
  /tests:
    post: null
  /tests/{testId}:
    get:
      responses:
        "404":
          x-source: 'Vendor X guide: "404 when the test is not yours"'
          x-apiconform-grade: documented
"""


def test_a_json_merge_patch_does_the_same_where_simpler(tmp_path: Path) -> None:
    resolve_target("x", load_config(target_with(tmp_path, MERGE_PATCH, ".merge-patch.yaml")))
    effective = load_api("chorus-line-test").bundled
    assert "post" not in effective["paths"]["/tests"] and "get" in effective["paths"]["/tests"]
    answer = effective["paths"]["/tests/{testId}"]["get"]["responses"]["404"]
    assert answer["x-apiconform-grade"] == "documented" and "content" in answer  # merged, not replaced


def test_a_merge_patch_removing_nothing_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(target_with(tmp_path, MERGE_PATCH.replace("post: null", "put: null"), ".merge-patch.yaml"))
    message = str(raised.value)
    assert "\n" not in message and "chorus.merge-patch.yaml: /paths/~1tests/put removes nothing" in message
