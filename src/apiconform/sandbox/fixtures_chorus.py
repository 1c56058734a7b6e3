"""Chorus Line Test fixture data: products (lines) and finished tests, per environment and organisation.

Seed 000 (000_2f66a903044d6bbc.txt): "the responses we provide will be assigned to the registered organisation
name" - so every record belongs to an organisation, and each provisioned organisation (acme, globex; see
``provisioning.CLIENT_ROLES``) owns some. The same seed keeps Sandbox and Production apart ("The Client ID and
Client Secret are unique to each of the API Sandbox and Production environments"), so the two environments
share no product or test ID: sandbox IDs carry ``SB`` / ``ACME``/``GLBX``, production IDs ``PR`` / ``P...``.
Test IDs are shaped AANNAANN (vendor-facts.md, schemas/chorus/test-id.json).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apiconform.sandbox.state import Environment

# Letters 5-6 of every test ID made in an environment (fixtures and new tests alike): no ID can be shared.
TEST_ID_MARKER: dict[Environment, str] = {"sandbox": "SB", "production": "PR"}


@dataclass(frozen=True)
class Product:
    """A broadband line an organisation owns (schemas/chorus/product.json)."""

    product_id: str
    organisation: str
    product_type: str


@dataclass
class LineTest:
    """A line test; times are sandbox-clock seconds, ``completes_at`` ends its inProgress state."""

    test_id: str
    product_id: str
    organisation: str
    test_type: str
    created_at: float
    completes_at: float
    outcome: str = "completed"  # "completed" or "failed" once finished
    result: dict[str, Any] = field(default_factory=dict)


# 2025-01-01T00:00:00Z: fixture tests are long finished, whatever the sandbox clock says.
_FIXTURE_EPOCH = 1_735_689_600.0

_PRODUCTS: dict[Environment, tuple[Product, ...]] = {
    "sandbox": (
        Product("ACME0001", "acme", "fibre"),
        Product("ACME0002", "acme", "copper"),
        Product("GLBX0001", "globex", "fibre"),
    ),
    "production": (
        Product("PACM0001", "acme", "fibre"),
        Product("PACM0002", "acme", "copper"),
        Product("PGLX0001", "globex", "fibre"),
    ),
}

# (test ID, product ID, organisation, test type, outcome, result)
_TESTS: dict[Environment, tuple[tuple[str, str, str, str, str, dict[str, Any]], ...]] = {
    "sandbox": (
        ("AC01SB01", "ACME0001", "acme", "ontStatus", "completed", {"ontStatus": "up", "rxPowerDbm": -18.2}),
        ("AC02SB02", "ACME0002", "acme", "lineStateDiagnosis", "failed", {"lineState": "noSync"}),
        ("GL01SB01", "GLBX0001", "globex", "rgwBandwidth", "completed", {"downMbps": 940, "upMbps": 480}),
    ),
    "production": (
        ("AC01PR01", "PACM0001", "acme", "ontStatus", "completed", {"ontStatus": "up", "rxPowerDbm": -20.4}),
        ("AC02PR02", "PACM0002", "acme", "nbltSingleLineTest", "completed", {"loopLengthM": 1240}),
        ("GL01PR01", "PGLX0001", "globex", "statusOverTime", "completed", {"samples": 24, "dropouts": 0}),
    ),
}


def products(env: Environment) -> dict[str, Product]:
    """The environment's products by ID."""
    return {p.product_id: p for p in _PRODUCTS[env]}


def tests(env: Environment) -> dict[str, LineTest]:
    """Fresh, mutable copies of the environment's finished tests by ID, in listing order."""
    out: dict[str, LineTest] = {}
    for i, (test_id, product_id, org, test_type, outcome, result) in enumerate(_TESTS[env]):
        created = _FIXTURE_EPOCH + 3600 * i
        finished = created + 60
        out[test_id] = LineTest(test_id, product_id, org, test_type, created, finished, outcome, dict(result))
    return out


def known_inputs(env: Environment) -> dict[str, list[dict[str, Any]]]:
    """Inputs that find the ``primary`` role's (org acme) records: what a vendor publishes for testing."""
    product_id, test_id = ("ACME0001", "AC01SB01") if env == "sandbox" else ("PACM0001", "AC01PR01")
    return {
        "getProduct": [{"path_parameters": {"productId": product_id}}],
        "getTest": [{"path_parameters": {"testId": test_id}}],
        "createTest": [{"body": {"productId": product_id, "test": {"testType": "ontStatus"}}}],
        "listTests": [{"query": {"productId": product_id, "count": 5}}],
    }
