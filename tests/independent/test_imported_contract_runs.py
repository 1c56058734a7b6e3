"""An imported vendor document (OpenAPI 3.0, YAML) loads through the one loader and the suites run on it.

The imported contract is served by Stoplight Prism (a server we did not write, answering from that document),
configured only through ``apiconform.toml`` with a ``contracts`` folder: the contract and field-type suites run
on it and raise no alarm, and its API key is sent under the header name the contract declares.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from apiconform.config import load_config
from apiconform.contracts import load_api, set_contract_folders
from apiconform.contracts.importer import import_contract
from apiconform.contracts.validation import contract_folder_problems
from tests.child_runs import run_pytest
from tests.independent.prism import PRISM, ROOT, _free_port, _wait

FIXTURES = ROOT / "tests" / "contracts" / "import_fixtures"
NOT_FROM_THE_DOCUMENT = "not test_negative_data_rejected and not test_boundary_violations_rejected"


@pytest.fixture
def imported(tmp_path: Path) -> Iterator[Path]:
    import_contract(FIXTURES / "parcel-tracking.yaml", "parcel-tracking", tmp_path / "contracts", vendor="parcels")
    import_contract(FIXTURES / "fleetwise-telematics.json", "fleetwise-telematics", tmp_path / "contracts")
    yield tmp_path / "contracts"
    set_contract_folders([])


def test_imported_documents_pass_the_loaders_validation(imported: Path, tmp_path: Path) -> None:
    (tmp_path / "apiconform.toml").write_text('contracts = ["contracts"]\n', encoding="utf-8")
    load_config(tmp_path / "apiconform.toml")  # validates the folder too: any problem would raise here
    assert contract_folder_problems(imported) == []
    parcel = load_api("parcel-tracking")
    assert parcel.raw["openapi"].startswith("3.1") and not parcel.shipped
    assert {op["operationId"] for _, _, op in parcel.operations()} >= {"createShipment", "getParcel"}


@pytest.mark.slow
@pytest.mark.needs_node
def test_the_suites_run_on_an_imported_contract(imported: Path, tmp_path: Path) -> None:
    if not PRISM.exists():
        pytest.skip("Prism is not installed: run `make node-setup` (npm ci) with Node 20 to run this test")
    (tmp_path / "apiconform.toml").write_text('contracts = ["contracts"]\n', encoding="utf-8")
    load_config(tmp_path / "apiconform.toml")
    document = tmp_path / "parcel-tracking.json"
    document.write_text(json.dumps(load_api("parcel-tracking").bundled), encoding="utf-8")
    port = _free_port()
    with (tmp_path / "prism.log").open("w") as log:
        prism = subprocess.Popen(
            [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(document)], stdout=log, stderr=log
        )
        try:
            _wait(port)
            config = tmp_path / "apiconform.toml"
            config.write_text(
                f'contracts = ["{imported}"]\n[targets.vendor.environments.sandbox]\n'
                f'base_urls = {{ parcel-tracking = "http://127.0.0.1:{port}" }}\n'
                '[targets.vendor.environments.sandbox.credentials.ours]\nX-Partner-Key = "IMPORTED_KEY"\n',
                encoding="utf-8",
            )
            results = tmp_path / "results.json"
            command = ["suites/test_contract.py", "suites/test_field_types.py", "-q"]
            command += [
                "-p",
                "no:cacheprovider",
                "--config",
                str(config),
                "--target",
                "vendor",
                "-k",
                NOT_FROM_THE_DOCUMENT,
            ]
            command += ["--results-json", str(results)]
            done = run_pytest(command, cwd=ROOT, env={**os.environ, "IMPORTED_KEY": "partner-key-123456"})
        finally:
            prism.terminate()
            prism.wait(10)
    output = done.output
    assert done.returncode == 0, output[-3000:]
    tests = json.loads(results.read_text(encoding="utf-8"))["tests"]
    assert {t["concern"] for t in tests if t["outcome"] == "passed"} == {"contract", "field-types"}, output[-3000:]
    assert all("parcel-tracking" in t["nodeid"] for t in tests if t["outcome"] != "skipped")
