"""AT&T End-Customer Lookup fixture data, one set per environment.

The sandbox set is the seed's own sample (004_986340a3ec2669ec.txt), answered to the seed's sample
request, so the documented example round-trips. Production holds other customers: production data must
never appear in the sandbox and sandbox fixtures never in production.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from typing import Any

from apiconform.contracts import load_schema
from apiconform.sandbox.state import Environment


@dataclass(frozen=True)
class Match:
    """Which requests find these records: a fuzzy account name token and an exact zip code."""

    name_token: str
    zip_code: str
    records: tuple[dict[str, Any], ...]


def _seed_records() -> tuple[dict[str, Any], ...]:
    examples = load_schema("att/end-customer-lookup-response.json")["examples"]
    return tuple(examples[0])


def _production_records() -> tuple[dict[str, Any], ...]:
    base = _seed_records()[1]
    records = []
    for i, (name, state, zip_code) in enumerate(
        [("Lone Star Freight", "TX", "75201"), ("Lone Star Dental", "TX", "752014410")]
    ):
        record = copy.deepcopy(base)
        record.update(
            accountName=name,
            accountId=f"P{900000 + i}",
            acid=f"PR{i}77",
            subAccountId=f"PRD{i}",
            partnerId="77PR01",
            parentPartnerAccId="770001",
            accountStatus="Active" if i == 0 else "Inactive",
        )
        record["accountAddress"] = {
            "city": "DALLAS",
            "country": "US",
            "state": state,
            "street": f"{100 + i} MAIN ST",
            "zipCode": zip_code,
        }
        records.append(record)
    return tuple(records)


@cache
def fixtures(env: Environment) -> tuple[Match, ...]:
    """Built once per process; callers copy records before changing them."""
    if env == "sandbox":
        return (Match("texas", "70800", _seed_records()),)
    return (Match("lone star", "75201", _production_records()),)


def known_inputs(env: Environment) -> list[dict[str, Any]]:
    """Requests that find records in this environment (what a vendor publishes as test accounts)."""
    if env == "sandbox":
        return [load_schema("att/end-customer-lookup-request.json")["examples"][0]]
    return [
        {
            "accountName": "Lone Star",
            "address": {"street": "", "city": "Dallas", "state": "TX", "country": "US", "zipCode": "75201"},
        }
    ]
