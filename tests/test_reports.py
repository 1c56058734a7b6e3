"""The report files of one real ``apiconform run`` on the embedded sandbox, as QA and CI read them."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from allure_commons.utils import md5

from apiconform.reporting.html import strip_analytics
from tests.child_runs import run_cli

ROOT = Path(__file__).resolve().parents[1]
HAS_NODE = shutil.which("node") is not None and shutil.which("npm") is not None


def run(reports: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli(["run", "--only", "auth", "--reports", str(reports), *extra], cwd=ROOT, timeout=600)


def test_strip_analytics_removes_the_tag_and_keeps_the_app() -> None:
    page = (
        '<html><head><script>window.x=1</script></head><body><div id="app"></div>'
        '<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>\n'
        "<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}"
        "gtag('js', new Date());</script><script src=\"app.js\"></script></body></html>"
    )
    cleaned, removed = strip_analytics(page)
    assert removed == 2
    assert "googletagmanager" not in cleaned and "gtag" not in cleaned
    assert "window.x=1" in cleaned and 'src="app.js"' in cleaned


@pytest.mark.slow
def test_run_writes_every_report_and_history_grows(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    first = run(reports, *([] if HAS_NODE else ["--no-html"]))
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr
    results = reports / "allure-results"
    result_files = list(results.glob("*-result.json"))
    assert result_files
    labels = [{label["name"] for label in json.loads(p.read_text())["labels"]} for p in result_files]
    assert all({"epic", "feature", "story"} <= names for names in labels)
    every_result = [json.loads(p.read_text()) for p in result_files]
    suite_results = [r for r in every_result if any(p["name"] == "pytest id" for p in r["parameters"])]
    assert suite_results
    for found in suite_results:
        shown = {p["name"]: p["value"] for p in found["parameters"] if not p.get("excluded")}
        assert set(shown) == {"api", "env", "operation", "variant"}, found["parameters"]  # the case's fields
        # History follows a test by its readable parameters only, not by its operation's whole contract text.
        assert found["historyId"] == md5(found["fullName"], *(shown[name] for name in sorted(shown)))
    for name in ("environment.properties", "categories.json", "executor.json"):
        assert (results / name).is_file(), name
    assert "target=embedded" in (results / "environment.properties").read_text()
    assert ET.parse(reports / "junit.xml").getroot().iter("testcase")
    assert json.loads((reports / "results.json").read_text())["tests"]
    assert str(reports / "junit.xml") in first.stdout
    if not HAS_NODE:
        assert "Node.js not found" in first.stderr
        return
    index = reports / "html" / "index.html"
    assert index.is_file() and str(index) in first.stdout
    page = index.read_text(encoding="utf-8")
    assert "googletagmanager" not in page and "gtag(" not in page and "google-analytics" not in page
    assert len((reports / "history.jsonl").read_text().splitlines()) == 1
    second = run(reports)
    assert second.returncode in (0, 1), second.stdout[-3000:] + second.stderr
    assert len((reports / "history.jsonl").read_text().splitlines()) == 2


@pytest.mark.slow
def test_a_defect_exits_1_and_the_report_names_the_rule_and_category(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    command = [
        "run",
        "--only",
        "field-types",
        "--no-html",
        "--sandbox-defect",
        "enum-drift",
        "--reports",
        str(reports),
    ]
    done = run_cli(command, cwd=ROOT, timeout=600)
    assert done.returncode == 1, done.stdout[-3000:]
    assert "nonconformance found" in done.stdout and "contract-drift" in done.stdout
    failed = [json.loads(p.read_text()) for p in (reports / "allure-results").glob("*-result.json")]
    failed = [r for r in failed if r["status"] == "failed"]
    assert failed, "no failed Allure result"
    for result in failed:
        assert result["statusDetails"]["message"].count("[contract-drift] field_type_conformance") == 1
        assert "loaStatus" in result["statusDetails"]["message"]
        assert "Rule: every field of every successful response" in result.get("description", "")
        assert {a["name"].split(" ", 1)[1] for a in result["attachments"]} >= {"POST 200 request", "POST 200 curl"}
    records = json.loads((reports / "results.json").read_text())["tests"]
    assert {r["category"] for r in records if r["outcome"] == "failed"} == {"contract-drift"}


def test_history_is_trimmed_to_its_limit(tmp_path: Path) -> None:
    from apiconform.reporting.html import trim_history

    history = tmp_path / "history.jsonl"
    history.write_text("".join(f'{{"run": {i}}}\n' for i in range(30)), encoding="utf-8")
    assert trim_history(history, 20) == 10
    lines = history.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 20 and lines[0] == '{"run": 10}' and lines[-1] == '{"run": 29}'
    assert trim_history(history, 20) == 0 and trim_history(tmp_path / "absent.jsonl", 5) == 0


def test_progress_in_a_ci_log_is_plain_lines_with_time_left() -> None:
    import io

    from rich.console import Console

    from apiconform.reporting.progress import progress

    out = io.StringIO()
    with progress(Console(file=out, force_terminal=False, width=200), 3, "runs") as advance:
        for label in ("clean", "auth-ignored", "org-data-leak"):
            advance(label)
    lines = out.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines] == ["runs: 1/3 done", "runs: 2/3 done", "runs: 3/3 done"]
    assert "s left)" in lines[0] and "left" not in lines[-1] and "\x1b" not in out.getvalue()


def test_a_long_run_says_how_long_is_left_now_and_then() -> None:
    from apiconform.reporting.run_progress import EVERY, FIRST_AFTER, RunProgress, eta_line

    now = [0.0]
    progress = RunProgress(clock=lambda: now[0])
    lines = []
    for _ in range(100):
        now[0] += 0.5  # a test every half second: 50 s for 100 tests
        lines.append(progress.finished(100))
    said = [line for line in lines if line]
    assert said[0] == "apiconform: 30/100 tests done, about 35 s left"  # first after 15 s
    assert said[1:] == [
        "apiconform: 60/100 tests done, about 20 s left",
        "apiconform: 90/100 tests done, about 5 s left",
    ]
    assert FIRST_AFTER == EVERY == 15.0  # first after 15 s, then every 15 s, nothing once all are done
    assert eta_line(0, 10, 1.0) is None and eta_line(10, 10, 5.0) is None


def test_the_time_left_follows_the_tests_expected_cost_not_their_count() -> None:
    """A heavy generated test first (20 s), then 40 one-request checks (0.5 s each): 40 s in all. Counting tests,
    the first line would say 1 of 41 done after 20 s, so 800 s left; weighing them by cost it says 20 s."""
    from apiconform.reporting.run_progress import RunProgress

    now = [0.0]
    progress = RunProgress(clock=lambda: now[0])
    progress.weigh({"heavy": 40.0, **{f"check{i}": 1.0 for i in range(39)}})  # one check unknown: weighs the mean
    now[0] = 20.0
    first = progress.finished(41, "heavy")
    assert first == "apiconform: 1/41 tests done, about 20 s left"
    lines = []
    for i in range(40):
        now[0] += 0.5
        lines.append(progress.finished(41, f"check{i}" if i < 39 else "unlisted"))
    assert [line for line in lines if line] == ["apiconform: 31/41 tests done, about 5 s left"]


def test_the_html_report_lists_failures_before_passes(tmp_path: Path) -> None:
    from apiconform.reporting.html import allure_config

    text = allure_config(tmp_path / "results", tmp_path / "html", tmp_path / "history.jsonl", 7)
    config = json.loads(text.split("export default ", 1)[1].rstrip().rstrip(";"))
    awesome = config["plugins"]["awesome"]["options"]
    assert awesome["defaultSortBy"] == "status,asc"  # Allure 3 orders statuses failed, broken, passed, skipped
    assert config["historyLimit"] == 7
