"""The catalog: every rule the contracts state, per API and operation, with the documentation it rests on.

A QA engineer reading a failure wants to know *why* the suite expects what it expects. The catalog answers
that without opening JSON: it walks the bundled OpenAPI documents (security, parameters, bodies, responses,
and the JSON Schemas they reference) and turns each keyword into one line of text with its ``x-source``.
A keyword without its own ``x-source`` inherits the nearest enclosing one (property, parameter, response,
operation), because that is where the project convention puts provenance; a rule with no source at all is
a gap in the contracts and makes ``apiconform catalog`` fail.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from apiconform.checks.coverage import CONTRACT_TESTS
from apiconform.contracts.grades import GRADES, Grade, grade_of_source, node_grade, weakest
from apiconform.contracts.loader import ApiDocument, api_documents
from apiconform.contracts.sources import Source, cited, describe, problems

JSON = dict[str, Any]

# keywords rendered as "<keyword> <value>", in this order
_BOUNDS = (
    "minLength",
    "maxLength",
    "minimum",
    "exclusiveMinimum",
    "maximum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
)


@dataclass(frozen=True)
class Rule:
    """One checkable statement of a contract, where it applies, and the documentation behind it."""

    api: str
    operation: str
    location: str
    rule: str
    source: str
    grade: Grade

    @property
    def assumed(self) -> bool:
        return self.grade is Grade.ASSUMPTION


@dataclass(frozen=True)
class _Context:
    """Where the walk is: the document (to follow local refs), the operation and the rules collected."""

    doc: ApiDocument
    operation: str
    rules: list[Rule]

    def add(self, location: str, rule: str, source: str, grade: Grade | None = None) -> None:
        """Record a rule with the grade the engine gives it (the weakest link of its chain); without one, the
        grade its source states."""
        source = source.strip()
        self.rules.append(Rule(self.doc.name, self.operation, location, rule, source, grade or grade_of_source(source)))

    def deref(self, node: JSON) -> JSON:
        """Follow a local ``$ref`` (components/parameters, responses, ...); the bundle has only local refs."""
        seen: set[str] = set()
        while isinstance(node.get("$ref"), str) and node["$ref"] not in seen:
            seen.add(node["$ref"])
            node = _lookup(self.doc.bundled, node["$ref"])
        return node


def _lookup(document: JSON, ref: str) -> JSON:
    """The object a ``#/...`` pointer names in the bundled document ({} when it points nowhere)."""
    node: Any = document
    for raw in ref.removeprefix("#/").split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        node = node.get(token, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


def _source(node: JSON, inherited: str) -> str:
    """The node's own ``x-source``, or the enclosing one."""
    own = node.get("x-source")
    return own if isinstance(own, str) and own.strip() else inherited


def _short(value: Any, limit: int = 70) -> str:
    """A compact one-line rendering of a JSON value for rule texts."""
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _type_rule(schema: JSON) -> str | None:
    """``type string, format date-time, pattern ...``: the shape of a value in one line."""
    declared = schema.get("type")
    parts = []
    if declared is not None:
        names = declared if isinstance(declared, list) else [declared]
        parts.append("type " + " or ".join(str(n) for n in names))
    if "format" in schema:
        parts.append(f"format {schema['format']}")
    if "pattern" in schema:
        parts.append(f"pattern {schema['pattern']}")
    return ", ".join(parts) or None


def _value_rules(schema: JSON) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every rule this schema node states about its own value (not about its children), with its keywords."""
    shape = _type_rule(schema)
    if shape:
        yield tuple(k for k in ("type", "format", "pattern") if k in schema), shape
    if "enum" in schema:
        yield ("enum",), "enum " + ", ".join(_short(v, 30) for v in schema["enum"])
    if "const" in schema:
        yield ("const",), f"const {_short(schema['const'])}"
    for keyword in _BOUNDS:
        if keyword in schema:
            yield (keyword,), f"{keyword} {_short(schema[keyword])}"
    if schema.get("additionalProperties") is False:
        yield ("additionalProperties",), "no other properties"
    negated = schema.get("not")
    if isinstance(negated, dict):
        if isinstance(negated.get("required"), list):
            yield ("not",), "must not carry " + ", ".join(negated["required"])
        else:
            yield ("not",), f"not {_short(_strip(negated))}"


def _strip(schema: JSON) -> JSON:
    """A schema without its annotations, for quoting a condition in a rule text."""
    return {k: v for k, v in schema.items() if k not in {"x-source", "description", "title", "examples"}}


def _alternatives(branches: list[Any]) -> str:
    """``limit | null``: the alternatives of anyOf / oneOf named by ref or type."""
    names = []
    for branch in branches:
        if isinstance(branch, dict) and isinstance(branch.get("$ref"), str):
            names.append(branch["$ref"].rsplit("/", 1)[-1])
        elif isinstance(branch, dict) and "type" in branch:
            names.append(str(branch["type"]))
        else:
            names.append(_short(_strip(branch) if isinstance(branch, dict) else branch, 30))
    return " | ".join(names)


def _join(field: str, child: str) -> str:
    """``address`` + ``zipCode`` -> ``address.zipCode``; ``[]`` + ``loaStatus`` -> ``[].loaStatus``."""
    return f"{field}.{child}" if field else child


@dataclass(frozen=True)
class _Inherited:
    """What a schema node inherits: the nearest source, the weakest grade of the chain so far, refs seen."""

    source: str
    grade: Grade
    seen: frozenset[str] = frozenset()
    when: str = ""

    def into(self, node: JSON, keyword: str | None = None) -> _Inherited:
        grade = weakest([self.grade, node_grade(node, keyword)])
        return _Inherited(_source(node, self.source), grade, self.seen, self.when)


def _walk_schema(ctx: _Context, schema: Any, prefix: str, field: str, up: _Inherited) -> None:
    """Emit the rules of one schema node, then its children; a ref already on the path is not re-entered."""
    if not isinstance(schema, dict):
        return
    location = f"{prefix}: {field}" if field else prefix
    here = up.into(schema, "$ref")
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if ref in up.seen:
            ctx.add(location, f"{up.when}recursive: same as {ref.rsplit('/', 1)[-1]}", here.source, here.grade)
        else:
            inner = _Inherited(here.source, here.grade, up.seen | {ref}, up.when)
            _walk_schema(ctx, _lookup(ctx.doc.bundled, ref), prefix, field, inner)
    source = _source(schema, up.source)
    for keywords, text in _value_rules(schema):
        grade = weakest([up.grade, *(node_grade(schema, k) for k in keywords)])
        ctx.add(location, up.when + text, source, grade)
    _walk_children(ctx, schema, prefix, field, up)
    _walk_combinators(ctx, schema, prefix, field, up)


def _walk_children(ctx: _Context, schema: JSON, prefix: str, field: str, up: _Inherited) -> None:
    """Properties (with ``required``), array items and tuple items, each at its own location."""
    properties = schema.get("properties", {})
    source = _source(schema, up.source)
    for name in schema.get("required", []):
        child = properties.get(name, {})
        child_source = _source(child, source) if isinstance(child, dict) else source
        grade = weakest([up.grade, node_grade(schema, f"required:{name}"), node_grade(child, "required")])
        ctx.add(f"{prefix}: {_join(field, name)}", up.when + "required", child_source, grade)
    for name, child in properties.items():
        _walk_schema(ctx, child, prefix, _join(field, name), up.into(schema, "properties"))
    if "items" in schema:
        _walk_schema(ctx, schema["items"], prefix, field + "[]", up.into(schema, "items"))
    for index, item in enumerate(schema.get("prefixItems", [])):
        _walk_schema(ctx, item, prefix, f"{field}[{index}]", up.into(schema, "prefixItems"))
    additional = schema.get("additionalProperties")
    if isinstance(additional, dict):
        _walk_schema(ctx, additional, prefix, _join(field, "*"), up.into(schema, "additionalProperties"))


def _walk_combinators(ctx: _Context, schema: JSON, prefix: str, field: str, up: _Inherited) -> None:
    """anyOf / oneOf (a rule naming the alternatives, then each), allOf, and if/then/else as conditions."""
    location = f"{prefix}: {field}" if field else prefix
    for keyword in ("anyOf", "oneOf"):
        branches = schema.get(keyword)
        if isinstance(branches, list):
            here = up.into(schema, keyword)
            ctx.add(location, f"{up.when}{keyword}: {_alternatives(branches)}", here.source, here.grade)
            for branch in branches:
                _walk_schema(ctx, branch, prefix, field, here)
    for part in schema.get("allOf", []):
        _walk_schema(ctx, part, prefix, field, up.into(schema, "allOf"))
    condition = schema.get("if")
    if isinstance(condition, dict):
        text = _short(_strip(condition), 50)
        here = up.into(schema, "if")
        then = _Inherited(here.source, here.grade, here.seen, f"{up.when}if {text}: ")
        otherwise = _Inherited(here.source, here.grade, here.seen, f"{up.when}unless {text}: ")
        _walk_schema(ctx, schema.get("then"), prefix, field, then)
        _walk_schema(ctx, schema.get("else"), prefix, field, otherwise)


def _security_rules(ctx: _Context, operation: JSON, source: str) -> None:
    """Which credentials the operation needs: one rule per alternative, schemes of one alternative joined.

    The schemes' own ``x-source`` explains them best (e.g. "client_id and client_secret together").
    """
    requirements: list[JSON] = operation.get("security", ctx.doc.bundled.get("security")) or []
    schemes: JSON = ctx.doc.bundled.get("components", {}).get("securitySchemes", {})
    if not requirements:
        ctx.add("security", "no credentials required", source)
    prefix = "one of: " if len(requirements) > 1 else ""
    for requirement in requirements:
        if not requirement:
            ctx.add("security", prefix + "no credentials", source)
            continue
        texts, sources = [], []
        for name, scopes in requirement.items():
            scheme = schemes.get(name, {})
            kind = " ".join(str(scheme.get(k)) for k in ("type", "scheme", "in", "name") if scheme.get(k))
            texts.append(f"{name} ({kind})" + (f", scopes {' '.join(scopes)}" if scopes else ""))
            sources.append(_source(scheme, source))
        ctx.add("security", prefix + " + ".join(texts), "; ".join(dict.fromkeys(sources)))


def _parameter_rules(ctx: _Context, parameters: Iterable[Any], source: str) -> None:
    """Headers, query and path parameters: presence, then the value's schema."""
    for raw in parameters:
        parameter = ctx.deref(raw)
        location = f"{parameter.get('in', '?')} {parameter.get('name', '?')}"
        param_source = _source(parameter, source)
        grade = node_grade(parameter, "required", grade_of_source(param_source))
        ctx.add(location, "required" if parameter.get("required") else "optional", param_source, grade)
        up = _Inherited(source, grade_of_source(source)).into(parameter)
        _walk_schema(ctx, parameter.get("schema"), location, "", up)


def _content_rules(ctx: _Context, content: JSON, prefix: str, up: _Inherited, type_grade: Grade) -> None:
    """Media types of a body and the schema of each."""
    for media_type, media in content.items():
        ctx.add(prefix, f"content-type {media_type}", up.source, type_grade)
        _walk_schema(ctx, media.get("schema"), prefix, "", up)


def _response_rules(ctx: _Context, operation: JSON, source: str) -> None:
    """Each documented status with its headers and body, and whether the list of statuses is complete."""
    op_grade = node_grade(operation, None, grade_of_source(source)) or Grade.DOCUMENTED
    responses = operation.get("responses", {})
    if responses:
        complete = weakest([op_grade, node_grade(operation, "responses")])
        ctx.add("responses", "no status but " + ", ".join(responses), source, complete)
    for status, raw in responses.items():
        response = ctx.deref(raw)
        prefix = f"response {status}"
        response_source = _source(response, source)
        ctx.add(
            prefix, f"status {status} documented", response_source, weakest([op_grade, node_grade(response, "status")])
        )
        for name, raw_header in response.get("headers", {}).items():
            header = ctx.deref(raw_header)
            location = f"{prefix} header {name}"
            header_source = _source(header, response_source)
            present = weakest([op_grade, node_grade(response, "headers"), node_grade(header, "required")])
            ctx.add(location, "required" if header.get("required") else "documented", header_source, present)
            value = _Inherited(header_source, weakest([op_grade, node_grade(response, "headers")])).into(header)
            _walk_schema(ctx, header.get("schema"), location, "", value)
        body = _Inherited(response_source, weakest([op_grade, node_grade(response, "body")]))
        type_grade = weakest([op_grade, node_grade(response, "content-type")])
        _content_rules(ctx, response.get("content", {}), prefix, body, type_grade)


def _operation_rules(doc: ApiDocument, method: str, path: str, operation: JSON) -> list[Rule]:
    """All rules of one operation, de-duplicated in first-seen order."""
    label = f"{method} {path} ({operation.get('operationId', '?')})"
    ctx = _Context(doc, label, [])
    source = _source(operation, "")
    _security_rules(ctx, operation, source)
    path_item = doc.bundled.get("paths", {}).get(path, {})
    _parameter_rules(ctx, [*path_item.get("parameters", []), *operation.get("parameters", [])], source)
    if "requestBody" in operation:
        body = ctx.deref(operation["requestBody"])
        body_source = _source(body, source)
        body_grade = weakest([node_grade(operation, "requestBody"), node_grade(body, None)], grade_of_source(source))
        ctx.add("request body", "required" if body.get("required") else "optional", body_source, body_grade)
        _content_rules(ctx, body.get("content", {}), "request body", _Inherited(body_source, body_grade), body_grade)
    _response_rules(ctx, operation, source)
    return list(dict.fromkeys(ctx.rules))


def build_catalog() -> list[Rule]:
    """Every rule of every operation of every OpenAPI document under ``schemas/``."""
    rules: list[Rule] = []
    for doc in api_documents():
        for method, path, operation in doc.operations():
            rules.extend(_operation_rules(doc, method, path, operation))
    return rules


def _groups(rules: Iterable[Rule]) -> dict[str, dict[str, list[Rule]]]:
    """API -> operation -> rules, keeping document order."""
    grouped: dict[str, dict[str, list[Rule]]] = {}
    for rule in rules:
        grouped.setdefault(rule.api, {}).setdefault(rule.operation, []).append(rule)
    return grouped


def summary(rules: list[Rule]) -> str:
    """``4 APIs, 30 operations, 900 rules, 200 resting on assumptions``: the figures a reviewer asks first."""
    grouped = _groups(rules)
    operations = sum(len(ops) for ops in grouped.values())
    graded = ", ".join(f"{sum(r.grade is g for r in rules)} {g}" for g in GRADES)
    return f"{len(grouped)} APIs, {operations} operations, {len(rules)} rules: {graded}"


def render_table(rules: list[Rule]) -> Table:
    """A rich table, one section per operation (API and operation named on its first row).

    Assumed rules have their source in yellow. Every text is markup-escaped: patterns such as
    ``[0-9]{5}`` must print as written.
    """
    table = Table(title="apiconform rule catalog")
    table.add_column("API / operation", overflow="fold", ratio=2)
    table.add_column("Location", overflow="fold", ratio=2)
    table.add_column("Rule", overflow="fold", ratio=3)
    table.add_column("Grade", overflow="fold", ratio=1)
    table.add_column("Source", overflow="fold", ratio=4)
    for api, operations in _groups(rules).items():
        for operation, op_rules in operations.items():
            for index, rule in enumerate(op_rules):
                heading = f"[bold]{escape(api)}[/bold]\n{escape(operation)}{escape(_run_hint(api, operation))}"
                heading = heading if index == 0 else ""
                source = escape(describe(rule.source, _dash_link))
                table.add_row(
                    heading,
                    escape(rule.location),
                    escape(rule.rule),
                    str(rule.grade) if rule.grade.blocking else f"[yellow]{rule.grade}[/yellow]",
                    f"[yellow]{source}[/yellow]" if not rule.grade.blocking else source,
                )
            table.add_section()
    return table


def render_check_rules() -> Table:
    """The checks' own rules with the grade their verdicts carry (``contract``: the nodes they read)."""
    from apiconform.checks.rules import CHECK_RULES

    table = Table(title="rules the checks enforce (run one rule's tests: apiconform run --rule CHECK)")
    columns = (("Check", 2), ("Concern", 1), ("Rule", 4), ("Grade", 2), ("Source", 4), ("Tests", 3))
    for column, ratio in columns:
        table.add_column(column, overflow="fold", ratio=ratio)
    tests = _tests_of_rules()
    for rule in CHECK_RULES:
        grades = ", ".join(str(g) for g in rule.grades)
        source = escape(describe(rule.source, _dash_link))
        checked_by = ", ".join(sorted({t.split("::")[1] for t in tests.get(rule.check, ())})) or "-"
        table.add_row(escape(rule.check), rule.concern, escape(rule.rule), grades, source, escape(checked_by))
    return table


def _check_rules() -> tuple[Any, ...]:
    from apiconform.checks.rules import CHECK_RULES

    return CHECK_RULES


def _operation_id(operation: str) -> str | None:
    """``POST /path (lookupEndCustomer)`` -> ``lookupEndCustomer``."""
    found = re.search(r"\(([^()\s]+)\)$", operation)
    return found.group(1) if found and found.group(1) != "?" else None


def _run_hint(api: str, operation: str) -> str:
    operation_id = _operation_id(operation)
    return f"\ntests: --rule {api}:{operation_id}" if operation_id else ""


def _tests_of_rules() -> dict[str, tuple[str, ...]]:
    """Check rule -> the suite tests that check it (read from the suites' code), when the suites are here."""
    from apiconform.checks.coverage import rule_tests
    from apiconform.errors import UsageError
    from apiconform.runner import SUITES, find_root

    try:
        return rule_tests(find_root() / SUITES)
    except UsageError:
        return {}


def _dash_link(title: str, url: str) -> str:
    """``Title — https://...``: a document and its link in a terminal cell."""
    return f"{title} — {url}"


def _markdown_link(title: str, url: str) -> str:
    return f"[{title}]({url})"


def _sources_cited(rules: list[Rule]) -> list[Source]:
    """The registry entries the contracts' rules and the checks' rules cite."""
    from apiconform.checks.rules import CHECK_RULES

    return cited([*(r.source for r in rules), *(r.source for r in CHECK_RULES)])


def render_sources(rules: list[Rule]) -> Table:
    """The documents cited: id, vendor, title, link (or why there is none) and the day they were read."""
    table = Table(title="sources cited")
    for column, ratio in (("Id", 2), ("Vendor", 2), ("Title", 3), ("Link", 4), ("Read", 1)):
        table.add_column(column, overflow="fold", ratio=ratio)
    for entry in _sources_cited(rules):
        table.add_row(
            escape(entry.id),
            escape(entry.vendor),
            escape(entry.title),
            escape(entry.url or "no URL recorded"),
            entry.read,
        )
    return table


def check_summary() -> str:
    from apiconform.checks.rules import CHECK_RULES, grade_counts

    counts = ", ".join(f"{n} {g}" for g, n in grade_counts().items())
    return f"{len(CHECK_RULES)} check rules: {counts}"


def _cell(text: str) -> str:
    """A Markdown table cell: pipes escaped (patterns contain them), no line breaks."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(rules: list[Rule]) -> str:
    """One section per API, one table per operation: location | rule | source."""
    lines = ["# apiconform rule catalog", "", summary(rules) + ".", ""]
    for api, operations in _groups(rules).items():
        lines += [f"## {api}", ""]
        for operation, op_rules in operations.items():
            lines += [f"### {operation}", ""]
            if _operation_id(operation):
                tests = ", ".join(f"`{name}`" for name in CONTRACT_TESTS)
                rule_id = f"{api}:{_operation_id(operation)}"
                lines += [f"Checked by {tests} (`[{rule_id}:ENV]`); run them: `apiconform run --rule {rule_id}`.", ""]
            lines += ["| location | rule | grade | source |", "| --- | --- | --- | --- |"]
            lines += [
                f"| {_cell(r.location)} | {_cell(r.rule)} | {r.grade} | {_cell(describe(r.source, _markdown_link))} |"
                for r in op_rules
            ]
            lines.append("")
    lines += ["## Rules the checks enforce", "", check_summary() + ".", ""]
    lines += ["| check | concern | rule | grade | source | tests |", "| --- | --- | --- | --- | --- | --- |"]
    by_rule = _tests_of_rules()
    for check in _check_rules():
        checked_by = ", ".join(sorted({f"`{t.split('::')[1]}`" for t in by_rule.get(check.check, ())})) or "-"
        cells = [check.check, check.concern, _cell(check.rule), ", ".join(str(g) for g in check.grades)]
        cells += [_cell(describe(check.source, _markdown_link)), checked_by]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Sources", "", "| id | vendor | title | link | read |", "| --- | --- | --- | --- | --- |"]
    for entry in _sources_cited(rules):
        link = f"<{entry.url}>" if entry.url else "no URL recorded"
        lines.append(f"| {entry.id} | {_cell(entry.vendor)} | {_cell(entry.title)} | {link} | {entry.read} |")
    lines.append("")
    return "\n".join(lines)


def run_catalog(markdown: Path | None) -> int:
    """``apiconform catalog``: summary and table, Markdown on request; 1 when a rule has no source.

    Piped or captured output gets a wide console: the table is read in a file or a CI log, not at 80 columns.
    """
    rules = build_catalog()
    console = Console()
    if not console.is_terminal:
        console.width = max(console.width, 160)
    console.print(summary(rules), highlight=False, soft_wrap=True)
    console.print(render_table(rules))
    console.print(check_summary(), highlight=False, soft_wrap=True)
    console.print(render_check_rules())
    console.print(render_sources(rules))
    if markdown is not None:
        markdown.parent.mkdir(parents=True, exist_ok=True)
        markdown.write_text(render_markdown(rules), encoding="utf-8")
        console.print(f"Markdown written to {markdown}", highlight=False, soft_wrap=True)
    missing = [rule for rule in rules if not rule.source]
    if missing:
        console.print(f"{len(missing)} rules have no source (add x-source to the schema or operation):")
        for rule in missing:
            console.print(f"  {rule.api} {rule.operation} {rule.location}: {rule.rule}", markup=False)
    unresolved = {text: problems(text) for text in dict.fromkeys(rule.source for rule in rules)}
    unresolved = {text: found for text, found in unresolved.items() if found}
    if unresolved:
        console.print(f"{len(unresolved)} sources do not resolve (add the document to a sources.json or fix the id):")
        for text, found in unresolved.items():
            console.print(f"  {text}: {'; '.join(found)}", markup=False)
    return 1 if missing or unresolved else 0
