"""What one pytest item costs before any check runs: the ceiling of the suite/raw ratio.

A child pytest (allure-pytest writing results, JUnit on, output captured: as ``apiconform run`` has them;
apiconform's plugin is loaded, with its Allure writer, but does no per-test work without a suite) runs ``ITEMS``
tests parametrised as the suites are (one ``case`` parameter: api, env, operation, variant), each sending the bench's
raw read once through one ``httpx.Client`` to a ``SandboxServer`` thread of the child. The same child times a
plain loop of that read first. An item's setup plus call minus the loop's time per request is the per-item
overhead ``o``: what pytest, its fixtures and allure-pytest spend per test. A suite whose tests send ``k``
requests each can then reach at most ``k*r / (k*r + o)`` of the raw rate, with checks that cost nothing
(``r``: the raw time per request).
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT, MeasureError, run_bounded

ITEMS = 600
TIMEOUT = 180.0

_CONFTEST = """
import json, os, time
import httpx, pytest
from apiconform.sandbox.server import SandboxServer
from bench.sandbox import READ_PATH, READ_QUERY, chorus_base, read_headers, register_credentials, timed_loop

OUT = os.environ["FLOOR_OUT"]
SECONDS = []
RAW = {}


@pytest.fixture(scope="session")
def client():
    server = SandboxServer()
    manifest = server.start()
    register_credentials(manifest.credentials)
    headers = read_headers(manifest.credentials["sandbox"]["primary"])
    with httpx.Client(base_url=chorus_base(manifest.root_url), headers=headers, timeout=10) as c:
        timed_loop(lambda: c.get(READ_PATH, params=READ_QUERY), count=50)
        RAW["rate"] = timed_loop(lambda: c.get(READ_PATH, params=READ_QUERY), count=500)
        yield c
    server.stop()


def pytest_runtest_logreport(report):
    if report.when in ("setup", "call") and not report.nodeid.endswith("[0-sandbox-op-v]"):  # the first sets up
        SECONDS.append(report.duration)


def pytest_unconfigure(config):
    with open(OUT, "w", encoding="utf-8") as handle:
        json.dump({"seconds": sum(SECONDS), "items": len(SECONDS) // 2, "raw_rate": RAW.get("rate", 0.0)}, handle)
"""

_TEST = f"""
import pytest
from apiconform.parametrize import MatrixCase
from bench.sandbox import READ_PATH, READ_QUERY

CASES = [MatrixCase(str(i), "sandbox", "op", "v") for i in range({ITEMS})]


@pytest.mark.parametrize("case", CASES, ids=["-".join(c) for c in CASES])
def test_one_read(client, case):
    assert client.get(READ_PATH, params=READ_QUERY).status_code == 200
"""


@dataclass(frozen=True)
class Floor:
    overhead_s: float  # per item, beyond its one request
    raw_s: float  # per request, the plain loop

    def ceiling(self, requests_per_test: float) -> float:
        """The best suite/raw ratio for tests of ``requests_per_test`` requests whose checks cost nothing."""
        sent = requests_per_test * self.raw_s
        return sent / (sent + self.overhead_s) if sent else 0.0


def measure_floor() -> Floor:
    with tempfile.TemporaryDirectory(prefix="apiconform-floor-") as tmp:
        folder = Path(tmp)
        (folder / "conftest.py").write_text(_CONFTEST, encoding="utf-8")
        (folder / "test_floor.py").write_text(_TEST, encoding="utf-8")
        out = folder / "floor.json"
        command = [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(folder / "pytest.ini"),
            "--rootdir", str(folder), "--alluredir", str(folder / "allure-results"),
            "--junitxml", str(folder / "junit.xml"), str(folder / "test_floor.py"),
        ]  # fmt: skip
        (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
        completed = run_bounded(command, TIMEOUT, env={"FLOOR_OUT": str(out), "PYTHONPATH": str(ROOT)})
        if completed.returncode != 0 or not out.is_file():
            raise MeasureError(f"the per-item floor run failed (exit {completed.returncode}): {completed.tail()}")
        found = json.loads(out.read_text(encoding="utf-8"))
    if not found["items"] or not found["raw_rate"]:
        raise MeasureError("the per-item floor run timed no item or no raw request")
    raw = 1.0 / float(found["raw_rate"])
    return Floor(max(0.0, float(found["seconds"]) / int(found["items"]) - raw), raw)
