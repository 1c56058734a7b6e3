"""The ``embedded`` target: start the sandbox on loopback and describe it as a Target.

The only module outside the sandbox that imports it. The suites receive the same ``Target`` a vendor
configuration produces, so they cannot tell (and must not care) that the server runs in-process.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import SecretStr

from apiconform.config import EMBEDDED, Budget, EnvironmentTarget, Target
from apiconform.config.resolve import PortalAccess, Role
from apiconform.reporting.redaction import register_basic, register_secret
from apiconform.sandbox import provisioning
from apiconform.sandbox.provisioning import Credential, Manifest
from apiconform.sandbox.server import SandboxServer
from apiconform.sandbox.state import ENVIRONMENTS

EMBEDDED_BUDGET = Budget(requests_per_second=2000.0, max_requests=200_000)


def _secret_fields(credential: Credential) -> dict[str, SecretStr]:
    for key, value in credential.items():
        if key in {"client_secret", "password"}:
            register_secret(value)
    if "username" in credential and "password" in credential:
        register_basic(credential["username"], credential["password"])
    return {key: SecretStr(value) for key, value in credential.items()}


def target_from_manifest(manifest: Manifest) -> Target:
    environments = {
        env: EnvironmentTarget(
            name=env,
            production=False,
            base_urls={api: manifest.base_url(env, api) for api in manifest.apis},
            credentials={role: _secret_fields(c) for role, c in manifest.credentials[env].items()},
            roles={role: Role(purpose, apis) for role, (purpose, apis) in provisioning.ROLE_PURPOSES.items()},
        )
        for env in ENVIRONMENTS
    }
    portal = PortalAccess(
        url=manifest.portal_url,
        developer=_secret_fields(manifest.portal_credentials["developer"]),
        admin=_secret_fields(manifest.portal_credentials["admin"]),
        api=provisioning.PORTAL_API,
        organisation=provisioning.PORTAL_ORGANISATION,
        open_plan=provisioning.OPEN_PLAN,
        restricted_plan=provisioning.RESTRICTED_PLAN,
    )
    return Target(
        name=EMBEDDED,
        environments=environments,
        budget=EMBEDDED_BUDGET,
        allow_writes=True,
        embedded=True,
        description="the embedded vendor sandbox on loopback",
        known_inputs=dict(manifest.known_inputs),
        portal=portal,
    )


def start_embedded(defects: Iterable[str] = ()) -> tuple[SandboxServer, Target]:
    server = SandboxServer(defects)
    manifest = server.start()
    return server, target_from_manifest(manifest)
