"""Sharded runs merge into what one run writes: the same tests and outcomes, one JUnit file, one Allure folder,
and shards' budgets that add up to the target's. Real ``apiconform run --shard`` runs over loopback."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from apiconform.errors import UsageError
from apiconform.runner import parse_shard, shard_of
from tests.child_runs import run_cli

ROOT = Path(__file__).resolve().parents[1]
ONLY = "contract,isolation,environments"


def apiconform(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(args, cwd=ROOT)


def outcomes(folder: Path) -> dict[str, str]:
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    return {test["nodeid"]: test["outcome"] for test in data["tests"]}


def test_two_shards_merged_equal_one_run_and_share_the_budget(tmp_path: Path) -> None:
    for k in (1, 2):
        done = apiconform("run", "--no-html", "--only", ONLY, "--shard", f"{k}/2", "--reports", str(tmp_path / f"s{k}"))
        assert done.returncode == 0, done.stdout[-2000:]
    whole = apiconform("run", "--no-html", "--only", ONLY, "--reports", str(tmp_path / "whole"))
    assert whole.returncode == 0, whole.stdout[-2000:]
    merged = apiconform("merge", str(tmp_path / "s1"), str(tmp_path / "s2"), "--into", str(tmp_path / "merged"))
    assert merged.returncode == 0 and "merged 2 report(s) of embedded" in merged.stdout, merged.stdout + merged.stderr
    shards = [outcomes(tmp_path / f"s{k}") for k in (1, 2)]
    assert shards[0] and shards[1] and not set(shards[0]) & set(shards[1])  # every test in exactly one shard
    assert outcomes(tmp_path / "merged") == outcomes(tmp_path / "whole") == {**shards[0], **shards[1]}
    cases = list(ET.parse(tmp_path / "merged" / "junit.xml").getroot().iter("testcase"))
    assert len(cases) == len(outcomes(tmp_path / "whole"))
    allure = list((tmp_path / "merged" / "allure-results").glob("*-result.json"))
    assert len(allure) >= len(cases)
    budgets = [json.loads((tmp_path / f"s{k}" / "results.json").read_text())["budget"] for k in (1, 2)]
    total = json.loads((tmp_path / "whole" / "results.json").read_text())["budget"]["max_requests"]
    assert [b["share"] for b in budgets] == [2, 2] and sum(b["max_requests"] for b in budgets) == total


def test_shards_split_the_concerns_round_robin_and_bad_input_is_one_line() -> None:
    modules = ["a", "b", "c"]
    assert [shard_of(modules, (k, 2)) for k in (1, 2)] == [["a", "c"], ["b"]]
    with pytest.raises(UsageError, match="at most 3 shards"):
        shard_of(modules, (4, 4))
    with pytest.raises(UsageError, match="give K/N"):
        parse_shard("two")
    with pytest.raises(UsageError, match="between 1 and N"):
        parse_shard("3/2")


def test_the_nightly_recipe_uses_commands_that_exist() -> None:
    import yaml

    from apiconform.cli import build_parser

    recipe = yaml.safe_load((ROOT / "ci" / "nightly.github.yml").read_text(encoding="utf-8"))
    assert recipe["jobs"]["shard"]["strategy"]["matrix"]["shard"] == [1, 2]
    steps = [step.get("run", "") for job in recipe["jobs"].values() for step in job["steps"]]
    script = "\n".join(steps)
    assert "--shard ${{ matrix.shard }}/2" in script and "apiconform merge reports-1 reports-2" in script
    parser = build_parser()
    parser.parse_args(["run", "--shard", "1/2", "--profile", "nightly", "--no-html"])
    parser.parse_args(["run", "--plan", "--shard", "1/2", "--profile", "nightly"])
    assert "apiconform run --plan" in script  # the plan is said before the first request
    parser.parse_args(["merge", "a", "b", "--into", "c", "--html"])
    assert "3) echo" in script and "4) echo" in script  # unavailable and budget spent are flagged apart
