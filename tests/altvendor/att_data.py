"""AT&T End-Customer Lookup records of each environment, built by this vendor (not the seed's sample).

Documented shape: required ``accountName, accountId, acid, salesSegment, loaStatus, allianceStatus,
accountStatus, exception, accountAddress{city,country,state,street,zipCode}``, optional ``subAccountId,
contractStatus, parentPartnerAccId, partnerId``. Choices unlike the sandbox: optional keys are left out when
the vendor has no value (the sandbox always sends them), and every record carries an undocumented
``lastModifiedDate``. Seven sandbox branches of "Bayou Freight" share one address so the 5-record cap shows.
"""

from __future__ import annotations

from typing import Any

Record = dict[str, Any]


def _record(
    name: str,
    account_id: str,
    address: tuple[str, str, str, str, str],
    *,
    acid: str | None = None,
    loa: str = "Y",
    alliance: str = "OPPORTUNITY",
    status: str | None = "Active",
    exception: str = "NA",
    segment: str | None = None,
    **optional: str,
) -> Record:
    street, city, state, zip_code, country = address
    record: Record = {
        "accountName": name,
        "accountId": account_id,
        "acid": acid,
        "salesSegment": segment,
        "loaStatus": loa,
        "allianceStatus": alliance,
        "accountStatus": status,
        "exception": exception,
        "accountAddress": {"city": city, "country": country, "state": state, "street": street, "zipCode": zip_code},
        "lastModifiedDate": "2024-03-11",
    }
    return record | optional


def _sandbox() -> list[Record]:
    pecan = ("1200 PECAN ST", "HOUSTON", "TX", "77002", "US")
    records = [
        _record("Texas Pecan Growers", "SB00100001", pecan, acid="A100", subAccountId="TPG01", partnerId="AV01PT"),
        _record(
            "Texas Pecan Outlet",
            "SB00100002",
            ("1250 PECAN ST STE 4", "HOUSTON", "TX", "770021234", "USA"),
            loa="N",
            alliance="ATT ONLY",
            exception="N",
            segment="indirect",
            contractStatus="Active (Remote)",
            parentPartnerAccId="AVP001",
        ),
        _record(
            "Magnolia Dental Group",
            "SB00200001",
            ("40 S 7TH ST", "MINNEAPOLIS", "MN", "554021234", "US"),
            status="Inactive",
        ),
    ]
    for i in range(7):
        records.append(
            _record(
                f"Bayou Freight {('North', 'South', 'East', 'West', 'Port', 'Airport', 'Rail')[i]}",
                f"SB0030000{i + 1}",
                ("800 BAYOU BLVD", "HOUSTON", "TX", "77003", "US"),
                acid=f"B30{i}",
                status=None if i == 6 else "Active",
            )
        )
    return records


def _production() -> list[Record]:
    return [
        _record(
            "Gulf Coast Marine Supply",
            "PR00900001",
            ("15 CANAL ST", "NEW ORLEANS", "LA", "70112", "US"),
            acid="P900",
            subAccountId="GCM01",
        ),
        _record(
            "Prairie Wind Energy",
            "PR00900002",
            ("301 CONGRESS AVE", "AUSTIN", "TX", "787011234", "USA"),
            loa="N",
            alliance="ATT ONLY",
            exception="N",
            partnerId="AV02PT",
        ),
    ]


def records_of(env: str) -> list[Record]:
    """A fresh list per call, so a handler may change what it returns without touching the fixtures."""
    return _sandbox() if env == "sandbox" else _production()


def lookup_examples(env: str) -> list[dict[str, Any]]:
    """Requests that find records here (what a vendor hands out as test accounts), the first one finds 7 > 5."""
    if env == "sandbox":
        return [
            {
                "spId": "SP-ALT-0001",
                "accountName": "Bayou Freight",
                "address": {"street": "", "city": "Houston", "state": "TX", "country": "US", "zipCode": "77003"},
            },
            {
                "spId": "SP-ALT-0001",
                "accountName": "texas pecan",
                "address": {
                    "street": "Pecan",
                    "city": "Houston",
                    "state": "Texas",
                    "country": "USA",
                    "zipCode": "77002",
                },
            },
        ]
    return [
        {
            "spId": "SP-ALT-0001",
            "accountName": "Gulf Coast",
            "address": {"street": "Canal", "city": "New Orleans", "state": "LA", "country": "US", "zipCode": "70112"},
        }
    ]
