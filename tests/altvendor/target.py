"""The alt vendor configured as a user would: an ``apiconform.toml`` target and environment variables.

No code of the engine knows this vendor: its token host, its client authentication (client_secret_basic at
a separate host), its credentials and its published test accounts are all configuration.
"""

from __future__ import annotations

from pathlib import Path

from tests.altvendor.server import AltVendor
from tests.toml_values import toml_value

ENVIRONMENTS = ("sandbox", "production")
OVERLAYS = Path(__file__).resolve().parent / "overlays"  # what the alt vendor documents differently
APIS = ("att-end-customer-lookup", "carrierx-core")


def _variable(env: str, api: str, field: str) -> str:
    return f"ALTVENDOR_{env}_{api.split('-')[0]}_{field}".upper()


def write_config(
    vendor: AltVendor, folder: Path, extra: str = "", *, overlay: bool = True
) -> tuple[Path, dict[str, str]]:
    """Write ``apiconform.toml`` for a running alt vendor; the config path and the variables to export."""
    variables: dict[str, str] = {}
    lines = [
        "[targets.altvendor]",
        'description = "an independent implementation of the documented AT&T lookup and CarrierX Core"',
        "allow_writes = true",
        "[targets.altvendor.budget]",
        "requests_per_second = 500",
        "max_requests = 20000",
        "[targets.altvendor.apis.att-end-customer-lookup]",
        f'overlay = "{OVERLAYS / "att-end-customer-lookup.overlay.yaml"}"' if overlay else "",
        "[targets.altvendor.apis.carrierx-core]",
        'exclude = ["updateEndpoint"]',
        'exclude_reason = "the vendor updates endpoints with PUT; PATCH answers 405"',
        "[targets.altvendor.apis.carrierx-core.token]",
        'flow = "client_credentials"',
        'client_auth = "client_secret_basic"',
        "expiry_wait_seconds = 5",
        "renew_before_seconds = 1",
    ]
    for env in ENVIRONMENTS:
        prefix = f"targets.altvendor.environments.{env}"
        lines += [f"[{prefix}]", f"production = {'true' if env == 'production' else 'false'}"]
        lines.append("base_urls = { " + ", ".join(f'{api} = "{vendor.base_urls[env][api]}"' for api in APIS) + " }")
        lines.append(f'token_urls = {{ carrierx-core = "{vendor.token_urls[env]}" }}')
        for api in APIS:
            lines += [f"[{prefix}.credentials.{api.split('-')[0]}-app]", 'purpose = "main"', f'apis = ["{api}"]']
            for field, value in vendor.credentials[env][api].items():
                name = _variable(env, api, field)
                variables[name] = value
                lines.append(f'{field} = "{name}"')
        for example in vendor.lookup_examples[env]:
            lines.append(f"[[{prefix}.known_inputs.att-end-customer-lookup.lookupEndCustomer]]")
            lines.append(f"body = {toml_value(example)}")
        for sid in vendor.endpoint_sids[env][:2]:
            lines.append(f"[[{prefix}.known_inputs.carrierx-core.getEndpoint]]")
            lines.append(f'path_parameters = {{ endpoint_sid = "{sid}" }}')
    path = folder / "apiconform.toml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path, variables
