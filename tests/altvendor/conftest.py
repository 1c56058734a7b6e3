"""One alt vendor for the whole package; every test starts with no regression and the default lifetime."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.altvendor.runs import run_all
from tests.altvendor.server import AltVendor, start_altvendor


@pytest.fixture(scope="session")
def vendor() -> Iterator[AltVendor]:
    with start_altvendor() as running:
        yield running


@pytest.fixture(autouse=True)
def _reset(vendor: AltVendor) -> Iterator[None]:
    vendor.set_regressions([])
    vendor.set_token_lifetime(3600)
    yield
    vendor.set_regressions([])


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5, trust_env=False) as client:
        yield client


@pytest.fixture(scope="module")
def clean_run(vendor: AltVendor, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every suite against the clean alt vendor, with JUnit and Allure results beside the results JSON."""
    folder = tmp_path_factory.mktemp("clean")
    vendor.set_regressions([])
    args = ("--junitxml", str(folder / "junit.xml"), "--alluredir", str(folder / "allure"))
    data = run_all(vendor, folder, args=args)
    data["_folder"] = folder
    return data
