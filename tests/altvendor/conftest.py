"""One alt vendor for the whole package; every test starts with no regression and the default lifetime."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

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
