"""The checklist's items: each gathers its evidence and returns findings; ``evaluate`` runs them in order.

Requests go through the project's ``TargetSession`` and ``TargetClient`` (budget, recording, redaction), on a
copy of the target whose production environment is marked production and whose writes are refused: golive
sends reads, token requests and the contract's ``x-read-only`` queries, never a write, whatever the target
or the command line allows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import httpx

from apiconform.checks.environments import credentials_bound_to_environment
from apiconform.checks.failures import ContractViolation
from apiconform.checks.samples import sample_request, send_sample
from apiconform.config import Target, TargetConfig
from apiconform.config.model import Environment
from apiconform.contracts import load_api
from apiconform.contracts.security import SECRET_FIELDS, security
from apiconform.errors import ConfigError
from apiconform.golive import evidence
from apiconform.golive.rules import Finding, ItemResult, checklist_rules, failed, passed, unknown
from apiconform.reporting.redaction import is_secret_name
from apiconform.reporting.results import contract_versions
from apiconform.targets.budget import RequestBudget
from apiconform.targets.client import TargetClient, WriteBlocked
from apiconform.targets.portal import PortalClient, PortalError, UsageItem
from apiconform.targets.profiles import profile_named
from apiconform.targets.session import Operation, RoleMissing, TargetSession

SANDBOX: Environment = "sandbox"
PRODUCTION: Environment = "production"
REFUSED = (401, 403)
ACTIVATED = "activated"
CANCELLED = "cancelled"
WHAT = {"oauth2": "a token", "bearer": "a token", "basic": "a Basic login"}  # as the environments suite says


@dataclass(frozen=True)
class Inputs:
    """What one golive run looks at; the CLI builds it from apiconform.toml, tests from a started sandbox."""

    target: Target
    reports: Path
    max_age_hours: float
    target_config: TargetConfig | None = None  # None: the embedded target, which has no configuration
    config_file: Path | None = None
    config_dir: Path = field(default_factory=Path.cwd)  # its git repository is checked for secrets
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


def guarded(target: Target) -> Target:
    """The target as golive sends to it: every production environment marked production, writes refused."""
    environments = {
        name: replace(env, production=True) if name == PRODUCTION or env.production else env
        for name, env in target.environments.items()
    }
    return replace(target, environments=environments, allow_writes=False)


def golive_session(target: Target) -> TargetSession:
    """A session whose client refuses every write to production (``WriteBlocked``), whatever allow_writes says."""
    safe = guarded(target)
    budget = RequestBudget(safe.budget.requests_per_second, safe.budget.max_requests)
    return TargetSession(safe, TargetClient(budget, allow_writes=False, limits=safe.limits), profile_named("quick"))


@dataclass
class Context:
    inputs: Inputs
    session: TargetSession
    apis: list[str]
    _portal: PortalClient | None = None
    _usage: dict[str, list[UsageItem]] = field(default_factory=dict)

    @property
    def target(self) -> Target:
        return self.session.target

    @property
    def name(self) -> str:
        return self.target.name

    def has(self, env: Environment) -> bool:
        return env in self.target.environments

    def portal(self) -> PortalClient | None:
        if self.target.portal is None:
            return None
        if self._portal is None:
            self._portal = PortalClient(self.session)
        return self._portal

    def app_id(self, api: str) -> tuple[str | None, str | None]:
        """(role, portal application id) of production's main credential for an API."""
        role = self.session.role_for(PRODUCTION, api) if self.has(PRODUCTION) else None
        credential = self.session.credential(PRODUCTION, role) if role else None
        return role, (credential or {}).get("app_id")

    def usage(self, app_id: str) -> list[UsageItem]:
        portal = self.portal()
        if portal is not None and app_id not in self._usage:
            self._usage[app_id] = portal.usage(app_id)
        return self._usage.get(app_id, [])


def _probe(session: TargetSession, api: str) -> Operation | None:
    """A protected read-only operation to send (one without path parameters and a GET preferred)."""
    reads = [op for op in session.operations(api) if op.protected and op.read_only and not op.issues_tokens]
    return min(reads, key=lambda op: ("{" in op.path, op.method != "GET"), default=None)


def _credential_toml(ctx: Context, env: Environment, api: str) -> str:
    try:
        ctx.session.require_role(env, api)
    except RoleMissing as exc:
        return str(exc)
    return ""


# -- 1 ----------------------------------------------------------------------------------------------------
def separate_credentials(ctx: Context) -> list[Finding]:
    """Compared in memory, field by field; the finding names the fields, never a value."""
    missing = [env for env in (SANDBOX, PRODUCTION) if not ctx.has(env)]
    if missing:
        return [
            failed(f"no {env} environment: add [targets.{ctx.name}.environments.{env}] with base_urls and credentials")
            for env in missing
        ]
    found: list[Finding] = []
    for api in ctx.apis:
        roles = {env: ctx.session.role_for(env, api) for env in (SANDBOX, PRODUCTION)}
        absent = [env for env, role in roles.items() if role is None]
        if absent:
            found += [failed(f"{api}: {_credential_toml(ctx, env, api)}") for env in absent]
            continue
        sandbox = ctx.session.credential(SANDBOX, roles[SANDBOX] or "") or {}
        production = ctx.session.credential(PRODUCTION, roles[PRODUCTION] or "") or {}
        same = sorted(name for name in sandbox.keys() & production.keys() if sandbox[name] == production[name])
        if same:
            found.append(
                failed(
                    f"{api}: production's main credential has the same {', '.join(same)} as sandbox's "
                    f"({roles[PRODUCTION]!r} / {roles[SANDBOX]!r}): register a separate production application"
                )
            )
        else:
            found.append(
                passed(
                    f"{api}: configured and different (sandbox {roles[SANDBOX]!r}, production {roles[PRODUCTION]!r})"
                )
            )
    return found


# -- 2 ----------------------------------------------------------------------------------------------------
def credentials_refused_across(ctx: Context) -> list[Finding]:
    """Both directions, as the environments suite does it: a control request in the credential's own
    environment first (a refusal there proves nothing), then the same request in the other one."""
    if not (ctx.has(SANDBOX) and ctx.has(PRODUCTION)):
        return [unknown("needs both a sandbox and a production environment (see the first item)")]
    found: list[Finding] = []
    for api in ctx.apis:
        for source, other in ((SANDBOX, PRODUCTION), (PRODUCTION, SANDBOX)):
            found += _refused_across(ctx, api, source, other)
    return found


def _refused_across(ctx: Context, api: str, source: Environment, other: Environment) -> list[Finding]:
    session = ctx.session
    role = session.role_for(source, api)
    op = _probe(session, api)
    if role is None or session.role_for(other, api) is None:
        return [unknown(f"{api}: no main credential in {source if role is None else other} (see the first item)")]
    if op is None or api not in session.target.environments[other].base_urls:
        return [unknown(f"{api}: no protected read-only operation or no {other} base URL to present it to")]
    found: list[Finding] = []
    try:
        foreign = session.present(source, api, role)
        request = sample_request(session, source, op)
        control = send_sample(session, source, op, foreign, request)
        if control.status_code in REFUSED:
            status = control.status_code
            return [unknown(f"{api}: {source}'s credential is refused by {source} itself ({status}): nothing to judge")]
        response = send_sample(session, other, op, foreign, request)
        what = WHAT.get(session.kind(api), "an API key credential")
        credentials_bound_to_environment(response, op, what, source, other)
        found.append(passed(f"{api}: {source}'s credential refused by {other} (401, {op.label})"))
        if session.kind(api) == "oauth2":
            answer = session.tokens.request(other, api, role, credential_env=source)
            token_op = session.token_operation(api)
            credentials_bound_to_environment(answer, token_op, f"credential {role!r}", source, other)
            found.append(passed(f"{api}: {other}'s token endpoint refuses {source}'s credential (401)"))
    except ContractViolation as violation:
        found.append(failed(f"{api}: {violation.message}"))
    except (ConfigError, WriteBlocked) as exc:
        found.append(unknown(f"{api}: {exc}"))
    return found


# -- 3 ----------------------------------------------------------------------------------------------------
def production_reads(ctx: Context) -> list[Finding]:
    """A documented success, or at least an answer that is not a refusal; a refusal or a server error fails."""
    if not ctx.has(PRODUCTION):
        return [failed(f"no production environment: add [targets.{ctx.name}.environments.production]")]
    found: list[Finding] = []
    for api in ctx.apis:
        role, op = ctx.session.role_for(PRODUCTION, api), _probe(ctx.session, api)
        if role is None or op is None or api not in ctx.target.environments[PRODUCTION].base_urls:
            why = "no main credential" if role is None else "no base URL or protected read-only operation"
            found.append(unknown(f"{api}: {why} in production"))
            continue
        try:
            response = send_sample(ctx.session, PRODUCTION, op, ctx.session.present(PRODUCTION, api, role))
        except ConfigError as exc:
            found.append(failed(f"{api}: production refused its own credential: {exc}"))
            continue
        found.append(_read_answer(api, op, response))
    return found


def _read_answer(api: str, op: Operation, response: httpx.Response) -> Finding:
    status = response.status_code
    documented = str(status) in op.raw.get("responses", {})
    where = f"{api} {op.label}"
    if 200 <= status < 300:
        return passed(f"{where}: {status}" + (" (documented success)" if documented else " (success)"))
    if status in REFUSED:
        return failed(f"{where}: production refused its own credential ({status}): check it and its access contract")
    if status == 429:
        return unknown(f"{where}: 429, rate limited: try again after Retry-After")
    if status >= 500:
        return failed(f"{where}: {status}, a server error")
    return passed(f"{where}: {status}, answered and not refused (a known input would get a documented success)")


# -- 4 ----------------------------------------------------------------------------------------------------
def access_activated(ctx: Context) -> list[Finding]:
    """Through the portal API where the target has one; a vendor's portal is a web page: confirm it there."""
    manual = next((r.manual for r in checklist_rules() if r.id == "access-activated"), None) or "confirm by hand"
    portal = ctx.portal()
    if portal is None:
        return [unknown(f"the target has no portal API; {manual}")]
    found: list[Finding] = []
    contracts: dict[str, list[tuple[str, str, str]]] = {}
    for api in ctx.apis:
        role, app_id = ctx.app_id(api)
        if role is None or app_id is None:
            field_hint = f'add app_id = "<VAR>" to [targets.{ctx.name}.environments.production.credentials.{role}]'
            found.append(unknown(f"{api}: production's main credential names no portal app_id: {field_hint}"))
            continue
        try:
            if app_id not in contracts:
                app = portal.get_app(app_id)
                contracts[app_id] = [(c.api, c.environment, c.status) for c in portal.list_contracts(app_id)]
                if app.get("environment") != PRODUCTION:
                    found.append(
                        failed(
                            f"the application of {role!r} is registered for {app.get('environment')}, not production"
                        )
                    )
        except PortalError as exc:
            found.append(unknown(f"{api}: {exc}"))
            continue
        statuses = [status for name, env, status in contracts[app_id] if name == api and env == PRODUCTION]
        waiting = [s for s in statuses if s not in (ACTIVATED, CANCELLED)]
        shown = ", ".join(_status(s) for s in statuses) or "none"
        if ACTIVATED in statuses and not waiting:
            found.append(passed(f"{api}: production contract Activated (application of {role!r})"))
        elif not statuses:
            found.append(failed(f"{api}: the application of {role!r} has no production contract: request access"))
        else:
            found.append(failed(f"{api}: production contract {shown} (application of {role!r}): wait for Activated"))
    return found


def _status(status: str) -> str:
    return status.replace("_", " ").title()


# -- 7 ----------------------------------------------------------------------------------------------------
def rate_limit_budget(ctx: Context) -> list[Finding]:
    """The budget fits a limit when, at its rate, it cannot send more calls in the limit's interval (or its
    per-run ceiling is below the limit anyway); a per-operation limit counts in full, since every request of
    a run may go to that one operation."""
    budget = ctx.target.budget
    found: list[Finding] = []
    limits: list[tuple[str, int, float]] = []
    if ctx.target.plan is not None:
        plan = ctx.target.plan
        limits.append((f"plan {plan.name or '(unnamed)'} of [targets.{ctx.name}.plan]", plan.calls, plan.per_seconds))
    unknown_apis: list[str] = []
    for api in ctx.apis:
        role, app_id = ctx.app_id(api)
        items: list[UsageItem] = []
        if app_id is not None and ctx.portal() is not None:
            try:
                items = [u for u in ctx.usage(app_id) if u.api in (api, "*") and u.window_seconds]
            except PortalError as exc:
                found.append(unknown(f"{api}: {exc}"))
        for item in items:
            scope = "all operations" if item.operation == "*" else item.operation
            source = f"portal usage of the application of {role!r} ({api if item.api != '*' else 'common'}: {scope})"
            limits.append((source, item.limit, float(item.window_seconds or 0)))
        if not items and ctx.target.plan is None:
            unknown_apis.append(api)
    for source, calls, seconds in dict.fromkeys(limits):
        allowed = budget.requests_per_second * seconds
        fits = allowed <= calls or budget.max_requests <= calls
        text = (
            f"budget {budget.requests_per_second:g} req/s (max {budget.max_requests} per run) allows "
            f"{allowed:.0f} calls per {seconds:g} s; {source}: {calls} per {seconds:g} s"
        )
        if fits:
            found.append(passed(text))
        else:
            lower = calls / seconds
            found.append(
                failed(f"{text}: lower [targets.{ctx.name}.budget] requests_per_second to {lower:.4g} or less")
            )
    if ctx.target.embedded:  # its budget and plan are not configurable: say so rather than give TOML to add
        found = [replace(f, text=f"{f.text} (the embedded target's budget is fixed)") for f in found]
    if unknown_apis:
        toml = f'[targets.{ctx.name}.plan] name = "<plan>", calls = <calls>, per_seconds = <seconds>'
        if ctx.target.embedded:
            toml = "a plan to a configured target pointing at the sandbox (the embedded target takes no settings)"
        found.append(unknown(f"the plan's rate limit is unknown for {', '.join(unknown_apis)}: add {toml}"))
    return found


# -- 5, 6, 8, 9: evidence without requests ----------------------------------------------------------------------
def full_run_green(ctx: Context) -> list[Finding]:
    inputs = ctx.inputs
    versions = contract_versions(ctx.apis)
    return evidence.last_run(inputs.reports, ctx.name, inputs.max_age_hours, inputs.now, versions)


def no_breaking_drift(ctx: Context) -> list[Finding]:
    return evidence.drift(ctx.inputs.reports, ctx.name)


def accepted_deviations(ctx: Context) -> list[Finding]:
    return evidence.deviations(ctx.target.deviations, ctx.inputs.now.date(), ctx.target.golive.planned_date)


def secrets_kept_out(ctx: Context) -> list[Finding]:
    inputs = ctx.inputs
    config = inputs.target_config
    dotenv = inputs.config_dir / config.dotenv if config is not None and config.dotenv else None
    found = [evidence.credential_fields_name_variables(ctx.name, config)]
    return [*found, *evidence.repository(inputs.config_dir, inputs.config_file, dotenv, _secrets(ctx))]


def _secrets(ctx: Context) -> list[evidence.Secret]:
    """The resolved values that are secrets: password-like fields and the secret half of API key pairs."""
    secret_fields = set(SECRET_FIELDS)
    for api in ctx.apis:
        found = security(api)
        secret_fields |= {k.field for k in found.api_keys if k.secret} if found else set()
        secret_fields |= {k.name for k in found.api_keys if k.secret} if found else set()
    out = []
    for env_name, env in ctx.target.environments.items():
        for role in env.credentials:
            for name, value in (env.credential(role) or {}).items():
                if name in secret_fields or is_secret_name(name):
                    out.append(evidence.Secret(f"{env_name} credential {role!r} {name}", value))
    return out


ITEMS: dict[str, Callable[[Context], list[Finding]]] = {
    "separate-credentials": separate_credentials,
    "credentials-refused-across": credentials_refused_across,
    "production-reads": production_reads,
    "access-activated": access_activated,
    "full-run-green": full_run_green,
    "no-breaking-drift": no_breaking_drift,
    "rate-limit-budget": rate_limit_budget,
    "accepted-deviations": accepted_deviations,
    "secrets-kept-out": secrets_kept_out,
}


def evaluate(inputs: Inputs, session: TargetSession | None = None) -> list[ItemResult]:
    """Every item of the checklist data, in its order; an item the data names but the engine lacks (or the
    reverse) is a configuration error, so the data and the code cannot drift apart silently."""
    rules = checklist_rules()
    unmatched = sorted({r.id for r in rules} ^ set(ITEMS))
    if unmatched:
        raise ConfigError(f"golive checklist data and engine disagree on item(s) {', '.join(unmatched)}")
    own = session is None
    session = session or golive_session(inputs.target)
    apis = [api for api in session.target.apis() if not load_api(api).portal]
    ctx = Context(inputs, session, apis)
    nothing = unknown("the target configures no API (no base_urls): nothing to check")
    try:
        return [ItemResult(rule, tuple(ITEMS[rule.id](ctx) or [nothing])) for rule in rules]
    finally:
        if own:
            session.client.close()
