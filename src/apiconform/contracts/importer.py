"""``apiconform contract import``: a vendor's own OpenAPI document becomes one of our contract documents.

Why this shape:
- the vendor's document is kept as it is, so importing their next version diffs cleanly; only what our
  engine needs changes: OpenAPI 3.0 becomes 3.1 (response bodies are validated with JSON Schema 2020-12,
  where 3.0's ``nullable``, ``example`` and boolean ``exclusiveMinimum`` mean something else), every
  operation gets an ``operationId``, and every operation and schema property an ``x-source``;
- 3.0 -> 3.1 is Scalar's maintained ``@scalar/openapi-upgrader`` (pinned in package.json, run by Node),
  never conversion rules of our own: nullable ``$ref``/``allOf``, union arms and example maps are where
  hand-written rules (and simpler tools) silently drop ``null``;
- whatever is wrong with the source file is a ConfigError of one line: the file, the problem, the fix.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apiconform.contracts import import_document as walk
from apiconform.errors import ConfigError

JSON = dict[str, Any]
OPENAPI_SUFFIX = ".openapi.json"
UPGRADER = "@scalar/openapi-upgrader"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
# One line on stderr and exit 1 on any failure, so the ConfigError can quote it.
_UPGRADE_SCRIPT = f"""
try {{
  const {{ upgrade }} = await import("{UPGRADER}");
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  process.stdout.write(JSON.stringify(upgrade(JSON.parse(text), "3.1")));
}} catch (error) {{
  process.stderr.write(String(error && error.message || error).replace(/\\s+/g, " "));
  process.exit(1);
}}
"""


@dataclass(frozen=True)
class ImportReport:
    """What an import wrote and what the new contract still lacks (the gaps to fill by hand)."""

    output: Path
    title: str
    source_version: str
    version: str
    operations: int
    without_examples: tuple[str, ...] = ()
    without_errors: tuple[str, ...] = ()
    operation_ids_added: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def render(self) -> str:
        """The CLI's text: one line per fact, then a short list under each category that is not empty."""
        converted = f", converted to {self.version}" if self.version != self.source_version else ""
        lines = [
            f"imported: {self.title} (OpenAPI {self.source_version}{converted}) -> {self.output}",
            f"operations: {self.operations}",
        ]
        for heading, items in (
            ("operations without any example (request body or success response)", self.without_examples),
            ("operations without a documented error response (4xx, 5xx or default)", self.without_errors),
            ("operationIds added", self.operation_ids_added),
            ("warnings", self.warnings),
        ):
            lines.append(f"{heading}: {len(items) or 'none'}")
            lines.extend(f"  - {item}" for item in items)
        return "\n".join(lines)


def import_contract(
    source: Path,
    name: str,
    into: Path,
    *,
    vendor: str | None = None,
    source_url: str | None = None,
    title: str | None = None,
    overwrite: bool = False,
) -> ImportReport:
    """Write ``<into>/<vendor>/<name>.openapi.json`` from the vendor's document at ``source``."""
    _check_slug(name, "--name", source)
    document = walk.read_document(source)
    original = openapi_version(document, source)
    refs = walk.external_refs(document)
    if refs:
        raise ConfigError(
            f"{source}: refers to other files ({refs[0]!r}); bundle it into one document first, "
            f"e.g. `npx @redocly/cli bundle {source} -o bundled.yaml`, and import that"
        )
    validate_document(document, source, f"an OpenAPI {original} document")
    if original.startswith("3.0."):
        document = upgrade_to_3_1(document, source)
    info = document["info"]
    label = title or " ".join(f"{info['title']} {info['version']}".split())
    first_word = (str(info["title"]).split() or [""])[0]
    vendor = vendor or re.sub(r"[^a-z0-9]+", "-", first_word.lower()).strip("-") or name
    _check_slug(vendor, "--vendor", source)
    output = into / vendor / f"{name}{OPENAPI_SUFFIX}"
    if output.exists() and not overwrite:
        raise ConfigError(f"{output} already exists; pass --force (overwrite=True) to replace it, or choose --name")

    origin = source_id(title or str(info["title"]))
    added = walk.add_operation_ids(document)
    walk.add_sources(document, origin)
    info.setdefault("x-source", f"{origin}: {walk.IMPORTED}")
    info["x-apiconform-imported"] = {
        "from": source_url or source.name,
        "at": datetime.now(UTC).date().isoformat(),
        "openapi": original,
    }
    validate_document(document, source, f"the imported OpenAPI {document['openapi']} document")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    partial.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(output)
    register_source(into, origin, vendor, label, source, source_url)

    operations = list(walk.iter_operations(document))
    return ImportReport(
        output=output,
        title=label,
        source_version=original,
        version=str(document["openapi"]),
        operations=len(operations),
        without_examples=tuple(op.label for op in operations if not walk.has_example(op, document)),
        without_errors=tuple(op.label for op in operations if not walk.has_error_response(op)),
        operation_ids_added=tuple(added),
        warnings=tuple(_warnings(document, source, source_url)),
    )


def source_id(title: str) -> str:
    """The registry id of an imported document, after its title: ``Parcel Tracking API`` -> ``parcel-tracking-api``."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug if slug[:1].isalpha() else f"doc-{slug}".rstrip("-")


def register_source(into: Path, ident: str, vendor: str, title: str, source: Path, source_url: str | None) -> Path:
    """Record the imported document in ``<into>/sources.json`` (replacing an entry of the same id), so the
    x-source the import writes resolves (``apiconform.contracts.sources``)."""
    from apiconform.contracts.sources import REGISTRY, read_registry

    path = into / REGISTRY
    entries: list[JSON] = []
    if path.is_file():
        read_registry(path)  # a broken registry is reported, never overwritten
        entries = json.loads(path.read_text(encoding="utf-8"))["sources"]
    entry: JSON = {"id": ident, "vendor": vendor, "title": title, "read": datetime.now(UTC).date().isoformat()}
    if source_url and source_url.startswith("https://"):
        entry["url"] = source_url
    else:
        entry["note"] = f"imported from {source_url or source.name}; no public https URL given (--source-url)"
    entries = [e for e in entries if e.get("id") != ident] + [entry]
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps({"sources": entries}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(path)
    read_registry(path)
    return path


def openapi_version(document: JSON, source: Path) -> str:
    """The ``openapi`` version, which must be 3.0.x or 3.1.x (what our validator and schemathesis read)."""
    if "swagger" in document:
        raise ConfigError(
            f"{source}: Swagger {document['swagger']} (OpenAPI 2) is not supported; convert it to OpenAPI 3 first, "
            f"e.g. `npx swagger2openapi {source} --yaml -o {source.stem}.openapi3.yaml`, and import that"
        )
    version = document.get("openapi")
    if not (isinstance(version, str) and re.match(r"^3\.[01]\.\d+", version)):
        found = "has no `openapi` field" if version is None else f"says `openapi: {version}`"
        raise ConfigError(
            f"{source}: {found}, so it is not an OpenAPI 3.0.x or 3.1.x document; "
            'import a 3.0 or 3.1 document with its full version as a string (e.g. openapi: "3.0.3")'
        )
    return version


def validate_document(document: JSON, source: Path, what: str) -> None:
    """openapi-spec-validator's verdict as one line (its messages can quote whole objects, so cut)."""
    from jsonschema.exceptions import ValidationError
    from openapi_spec_validator import validate
    from openapi_spec_validator.exceptions import OpenAPISpecValidatorError
    from referencing.exceptions import Unresolvable

    try:
        validate(document)
    except Unresolvable as exc:
        raise ConfigError(f"{source}: as {what}, a $ref cannot be resolved ({exc}); fix that reference") from None
    except (ValidationError, OpenAPISpecValidatorError) as exc:
        message = " ".join(str(getattr(exc, "message", exc)).split("\n\n")[0].split())
        quoted = re.match(r"^[\[{].*[\]}] (is .*)$", message)  # "{...whole object...} is not valid under"
        message = f"the value {quoted.group(1)}" if quoted else message
        message = message if len(message) <= 160 else message[:157] + "..."
        where = getattr(exc, "json_path", "$")
        raise ConfigError(
            f"{source}: not valid as {what}: {message} (at {where}); fix the document and import again"
        ) from None


def node_root() -> Path:
    """Where ``npm ci`` installs the converter: this checkout (package.json), else the working folder."""
    checkout = Path(__file__).resolve().parents[3]
    for root in (checkout, Path.cwd()):
        if (root / "node_modules" / UPGRADER / "package.json").is_file():
            return root
    return checkout if (checkout / "package.json").is_file() else Path.cwd()


def upgrade_to_3_1(document: JSON, source: Path) -> JSON:
    """OpenAPI 3.0 -> 3.1 by the pinned Scalar upgrader in a Node subprocess (JSON in, JSON out)."""
    root, node = node_root(), shutil.which("node")
    needs = f"converting OpenAPI {document['openapi']} to 3.1 needs"
    if node is None:
        raise ConfigError(f"{source}: {needs} Node.js (20+), not found on PATH; install it, run `npm ci` in {root}")
    if not (root / "node_modules" / UPGRADER / "package.json").is_file():
        raise ConfigError(f"{source}: {needs} {UPGRADER}, not installed; run `npm ci` in {root} (or make node-setup)")
    try:
        done = subprocess.run(
            [node, "--input-type=module", "-e", _UPGRADE_SCRIPT],
            cwd=root,
            input=json.dumps(document),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ConfigError(f"{source}: {UPGRADER} took over 120 s to convert it; try again or report it") from None
    if done.returncode != 0:
        problem = done.stderr.strip()[:200] or f"exit status {done.returncode}"
        raise ConfigError(f"{source}: {UPGRADER} could not convert it to 3.1 ({problem}); check the document")
    upgraded: JSON = json.loads(done.stdout)
    return upgraded


def _warnings(document: JSON, source: Path, source_url: str | None) -> list[str]:
    """What the import could not settle and a person should."""
    found = []
    if not source_url:
        found.append(
            f"no --source-url: the sources.json entry names only the file {source.name}; "
            "pass the URL of the vendor's documentation so every rule can be traced"
        )
    if not document.get("servers"):
        found.append("the document lists no servers: every target must set its base URL")
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    for scheme_name, scheme in schemes.items():
        for flow_name, flow in ((scheme.get("flows") or {}) if isinstance(scheme, dict) else {}).items():
            for key in ("tokenUrl", "authorizationUrl", "refreshUrl"):
                url = flow.get(key) if isinstance(flow, dict) else None
                if isinstance(url, str) and not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.IGNORECASE):
                    found.append(
                        f"security scheme {scheme_name} ({flow_name}): {key} {url!r} is relative, "
                        "so it resolves against the target's server URL"
                    )
    return found


def add_import_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """``import FILE --name NAME [...]`` under the CLI's ``contract`` command; runs ``run_import``."""
    parser = subparsers.add_parser(
        "import",
        help="import a vendor's OpenAPI 3.0/3.1 document (YAML or JSON) as a contract",
        description="Write <DIR>/<vendor>/<name>.openapi.json: OpenAPI 3.1, with operationIds and x-source.",
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="the vendor's OpenAPI document")
    parser.add_argument("--name", required=True, help="API name, the file stem (e.g. parcel-tracking)")
    parser.add_argument("--into", type=Path, default=Path("contracts"), metavar="DIR", help="(default: contracts)")
    parser.add_argument("--vendor", help="vendor folder (default: first word of info.title)")
    parser.add_argument("--source-url", metavar="URL", help="where the vendor publishes the document")
    parser.add_argument(
        "--title",
        help="document title for the sources.json entry x-source cites (default: info.title and info.version)",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing output file")
    parser.set_defaults(handler=run_import)
    return parser


def run_import(args: argparse.Namespace) -> int:
    """Import and print the report; ConfigError goes up to the CLI, which prints its one line."""
    report = import_contract(
        args.file,
        args.name,
        args.into,
        vendor=args.vendor,
        source_url=args.source_url,
        title=args.title,
        overwrite=args.force,
    )
    print(report.render())
    return 0


def _check_slug(value: str, option: str, source: Path) -> None:
    if not _SLUG.match(value):
        raise ConfigError(
            f"{source}: {option} {value!r} cannot be a file or folder name; "
            "use lower-case letters, digits, '-', '_' or '.' (e.g. parcel-tracking)"
        )
