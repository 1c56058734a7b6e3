"""Run-time switches shared by every host of one alt vendor: regressions, the clock and the token lifetime.

One object behind one lock, so a test can flip a regression or move the clock between two requests without
restarting the servers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

ENVIRONMENTS: tuple[str, ...] = ("sandbox", "production")
ATT = "att-end-customer-lookup"
CORE = "carrierx-core"

REGRESSIONS: dict[str, str] = {
    "post-auth-secret-unchecked": "the token host accepts client_secret_post with a wrong secret (Basic still checked)",
    "expired-token-accepted": "Core accepts access tokens past their expires_in",
    "revoked-token-accepted": "Core keeps accepting a token after DELETE /oauth/tokens/{token_sid} answered 204",
    "lookup-over-five": "the AT&T lookup returns every match instead of at most 5 records",
    "account-id-renamed": "AT&T records carry endCustomerId instead of the required accountId (an older page's name)",
    "list-total-stale": "Core list total (and has_more) also counts deleted endpoints, so it disagrees with items",
    "account-id-numeric": "AT&T records carry accountId as a JSON number (a new backend's integer key)",
    "loa-status-spelled-out": "AT&T records say loaStatus 'Yes'/'No' instead of the documented Y/N",
    "account-name-null": "AT&T records carry accountName null (a backend that lost the name)",
}


# Proven by the drift tests (tests/test_drift.py), which also see them fail the field-type checks.
DRIFT_REGRESSIONS = frozenset({"account-id-numeric", "loa-status-spelled-out", "account-name-null"})


def validate_regressions(names: Iterable[str]) -> frozenset[str]:
    """The names as a set; an unknown name is a ValueError listing the valid ones."""
    chosen = frozenset(names)
    unknown = sorted(chosen - REGRESSIONS.keys())
    if unknown:
        raise ValueError(f"unknown regression(s) {', '.join(unknown)}; valid: {', '.join(sorted(REGRESSIONS))}")
    return chosen


class Control:
    """Regressions, a movable clock (so expiry tests need no sleep) and the lifetime of new tokens."""

    def __init__(self, regressions: Iterable[str] = (), token_lifetime_s: int = 3600) -> None:
        self.lock = threading.RLock()
        self._active = validate_regressions(regressions)
        self._offset = 0.0
        self._lifetime = self._check_lifetime(token_lifetime_s)

    @staticmethod
    def _check_lifetime(seconds: int) -> int:
        if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 1:
            raise ValueError("token lifetime must be a positive whole number of seconds")
        return seconds

    def has(self, name: str) -> bool:
        with self.lock:
            return name in self._active

    @property
    def active(self) -> frozenset[str]:
        with self.lock:
            return self._active

    def set_regressions(self, names: Iterable[str]) -> None:
        chosen = validate_regressions(names)
        with self.lock:
            self._active = chosen

    def now(self) -> float:
        with self.lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self.lock:
            self._offset += seconds

    @property
    def token_lifetime_s(self) -> int:
        with self.lock:
            return self._lifetime

    def set_token_lifetime(self, seconds: int) -> None:
        checked = self._check_lifetime(seconds)
        with self.lock:
            self._lifetime = checked
