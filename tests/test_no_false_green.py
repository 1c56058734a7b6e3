"""A run that checked nothing never ends green, and bad configuration is one line: real ``apiconform`` runs
(subprocesses) on files written here; no target needs to answer, since nothing must be sent."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from apiconform.errors import BudgetExceeded
from apiconform.targets.budget import RequestBudget, SharedBudget
from tests.child_runs import run_cli

ROOT = Path(__file__).resolve().parents[1]
TARGET = """[targets.v]
{extra}
[targets.v.environments.sandbox]
base_urls = {{ chorus-line-test = "http://127.0.0.1:9/linetest" }}
[targets.v.environments.sandbox.credentials.main]
purpose = "main"
client_id = "{id_var}"
client_secret = "NOT_SET_V_SECRET"
"""


def apiconform(tmp_path: Path, text: str | bytes, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "apiconform.toml"
    config.write_bytes(text if isinstance(text, bytes) else text.encode())
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOT_SET_")}
    return run_cli([*args, "--config", str(config)], cwd=tmp_path, env=env, timeout=120)


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("apiconform: error:")]
    assert len(errors) == 1, done.stderr
    return errors[0]


def test_unset_credentials_are_not_a_green_run_and_name_the_variables(tmp_path: Path) -> None:
    done = apiconform(tmp_path, TARGET.format(extra="", id_var="NOT_SET_V_ID"), "run", "--no-html", "--target", "v")
    assert done.returncode == 2, done.stdout[-3000:]
    assert "NOT CHECKED chorus-line-test" in done.stdout
    assert "$NOT_SET_V_ID" in done.stderr and "$NOT_SET_V_SECRET" in done.stderr
    assert "nothing checked for chorus-line-test" in done.stdout


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[targets.v]\n", "has no environments"),
        (
            TARGET.format(extra="budget = { requests_per_second = 0.001 }", id_var="V_ID"),
            "at least one request a minute",
        ),
        (b'[targets.v]\ndescription = "caf\xe9"\n', "not UTF-8"),
        (
            TARGET.format(extra="", id_var="V_ID").replace("client_secret", "client_secert"),
            "did you mean 'client_secret'",
        ),
        (TARGET.format(extra="", id_var="Xk9fQ2mZpL7vR4tB8wN1"), "looks like a pasted secret"),
    ],
)
def test_bad_configuration_is_one_line(tmp_path: Path, text: str | bytes, expected: str) -> None:
    line = one_line_error(apiconform(tmp_path, text, "run", "--no-html", "--target", "v"))
    assert expected in line, line
    assert "Xk9fQ2mZpL7vR4tB8wN1" not in line


def test_a_non_utf8_dotenv_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env.v").write_bytes(b"V_ID=\xff\n")
    text = TARGET.format(extra='dotenv = ".env.v"', id_var="V_ID")
    line = one_line_error(apiconform(tmp_path, text, "run", "--no-html", "--target", "v"))
    assert "not UTF-8" in line and ".env.v" in line


def test_the_run_deadline_and_the_total_are_budgets_spent() -> None:
    budget = RequestBudget(1000, 2, run_seconds=0.05)
    budget.acquire()
    budget.acquire()
    with pytest.raises(BudgetExceeded, match="budget of 2 per run is spent"):
        budget.acquire()
    late = RequestBudget(1000, 100, run_seconds=0.05)
    time.sleep(0.1)
    with pytest.raises(BudgetExceeded, match=r"run deadline of 0\.05 s reached"):
        late.acquire()


def test_processes_sharing_a_budget_folder_count_together(tmp_path: Path) -> None:
    first, second = SharedBudget(1000, 3, folder=tmp_path), SharedBudget(1000, 3, folder=tmp_path)
    first.acquire()
    second.acquire()
    first.acquire()
    with pytest.raises(BudgetExceeded):
        second.acquire()
    assert first.sent == second.sent == 3


def test_a_retry_after_pause_holds_for_every_process_sharing_the_budget(tmp_path: Path) -> None:
    from apiconform.targets.client import _identity

    names = frozenset({("header", "authorization")})
    key = _identity({"Authorization": "Basic abc"}, names)
    assert key == _identity({"Authorization": "Basic abc"}, names) and "abc" not in key  # stable, not the secret
    script = "from apiconform.targets.client import _identity; print(_identity({'Authorization': 'Basic abc'}, "
    script += "frozenset({('header', 'authorization')})))"
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.strip()
    assert other == key  # another process (another hash salt) names the same caller the same way
    first, second = SharedBudget(1000, 10, folder=tmp_path), SharedBudget(1000, 10, folder=tmp_path)
    first.pause(key, "0.3")
    start = time.monotonic()
    second.acquire(key)
    assert time.monotonic() - start >= 0.25
