"""Run the schemathesis CLI (an independent checker) against the embedded sandbox, one document at a time."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from apiconform.contracts import load_api
from apiconform.reporting.redaction import redact_text, register_secret
from apiconform.sandbox.provisioning import Manifest

# Portal operations that would change the sandbox under the run's feet (defects, clock).
EXCLUDED = {"portal": ["adminSetDefects", "adminAdvanceClock"]}


def _basic(credential: dict[str, str]) -> str:
    return "Basic " + base64.b64encode(f"{credential['username']}:{credential['password']}".encode()).decode()


def auth_headers(manifest: Manifest, api: str) -> dict[str, str]:
    creds = manifest.credentials["sandbox"]
    if api == "att-end-customer-lookup":
        return {"client_id": creds["primary"]["client_id"], "client_secret": creds["primary"]["client_secret"]}
    if api == "chorus-line-test":
        return {
            "X-Chorus-Client-ID": creds["primary"]["client_id"],
            "X-Chorus-Client-Secret": creds["primary"]["client_secret"],
        }
    if api == "carrierx-core":
        partner = creds["partner"]
        response = httpx.post(
            manifest.base_url("sandbox", api) + "/oauth/token",
            data={"grant_type": "password", "username": partner["username"], "password": partner["password"]},
        )
        token = str(response.json()["access_token"])
        register_secret(token)
        return {"Authorization": f"Bearer {token}"}
    if api == "portal":
        return {"Authorization": _basic(manifest.portal_credentials["developer"])}
    return {"Authorization": _basic(creds[api.removeprefix("carrierx-")])}


def base_url(manifest: Manifest, api: str) -> str:
    return manifest.portal_url if api == "portal" else manifest.base_url("sandbox", api)


def schemathesis_cli() -> str:
    return shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"


def run_cli(manifest: Manifest, api: str, workdir: Path, max_examples: int = 25) -> subprocess.CompletedProcess[str]:
    """`schemathesis run` over one bundled document; output redacted before anyone reads it."""
    document = workdir / f"{api}.json"
    document.write_text(json.dumps(load_api(api).bundled), encoding="utf-8")
    command = [
        schemathesis_cli(),
        "run",
        str(document),
        "--url",
        base_url(manifest, api),
        "--checks",
        "all",
        "--max-examples",
        str(max_examples),
        "--seed",
        "7",
        "--workers",
        "1",
        "--phases",
        "examples,coverage,fuzzing",
        "--suppress-health-check",
        "all",
        "--no-color",
    ]
    for name, value in auth_headers(manifest, api).items():
        command += ["-H", f"{name}: {value}"]
    for operation_id in EXCLUDED.get(api, []):
        command += ["--exclude-operation-id", operation_id]
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=False, timeout=600)
    return subprocess.CompletedProcess(done.args, done.returncode, redact_text(done.stdout), redact_text(done.stderr))
