"""pytest habits work on the suites: concern markers (``-m auth``), ``--lf`` through ``apiconform run``, the
marker spelling in ``--only``, ``--version``, one documented ``rule`` marker. Real subprocesses, as a user types."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from apiconform import __version__
from apiconform.plugin import CONCERN_MARKERS
from apiconform.runner import concerns

ROOT = Path(__file__).resolve().parents[1]


def call(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def collected(*args: str) -> int:
    done = call("pytest", "--co", "-q", "-p", "no:cacheprovider", *args)
    found = re.search(r"(\d+)(?:/\d+)? tests? collected", done.stdout)
    assert found, done.stdout[-1000:] + done.stderr[-1000:]
    return int(found.group(1))


def test_every_concern_is_a_marker_selecting_exactly_its_suite() -> None:
    assert sorted(CONCERN_MARKERS) == sorted(concerns(ROOT))
    assert collected("suites/", "-m", "auth") == collected("suites/test_auth.py") > 0
    everything, limits = collected("suites/"), collected("suites/test_rate_limits.py")
    assert collected("suites/", "-m", "not rate_limits") == everything - limits


def test_last_failed_reruns_only_the_failures(tmp_path: Path) -> None:
    base = ["apiconform.cli", "run", "--no-html", "--only", "field_types", "--reports", str(tmp_path)]
    first = call(*base, "--sandbox-defect", "field-type-drift")
    assert first.returncode == 1, first.stdout[-2000:]
    failed = re.search(r"(\d+) failed, (\d+) passed", first.stdout)
    assert failed, first.stdout[-1000:]
    again = call(*base, "--sandbox-defect", "field-type-drift", "--", "--lf")
    assert f"{failed.group(1)} failed, {failed.group(2)} deselected" in again.stdout, again.stdout[-2000:]


def test_only_takes_the_marker_spelling_and_suggests_a_concern() -> None:
    typo = call("apiconform.cli", "run", "--only", "feld-types")
    assert typo.returncode == 2 and "did you mean 'field-types'" in typo.stderr
    assert "Traceback" not in typo.stderr


def test_version_and_one_rule_marker() -> None:
    version = call("apiconform.cli", "--version")
    assert version.stdout.strip() == f"apiconform {__version__}"
    markers = call("pytest", "--markers", "-p", "no:cacheprovider").stdout
    assert markers.count("@pytest.mark.rule(") == 1 and "@pytest.mark.field_types:" in markers
