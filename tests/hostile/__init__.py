"""A hostile HTTP target (hangs, resets, lies, redirects elsewhere, echoes secrets) for the project's own tests."""

from tests.hostile.server import (
    ATTACKER_TOKEN,
    CREDENTIAL_WORDS,
    ELSEWHERE_BODY,
    MODES,
    Elsewhere,
    HostileServer,
    ReceivedRequest,
    refused_url,
    start_hostile,
)

__all__ = [
    "ATTACKER_TOKEN",
    "CREDENTIAL_WORDS",
    "ELSEWHERE_BODY",
    "MODES",
    "Elsewhere",
    "HostileServer",
    "ReceivedRequest",
    "refused_url",
    "start_hostile",
]
