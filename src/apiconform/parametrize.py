"""Collection-time parameters for suites: what the target offers, as readable pytest ids.

Every suite test takes **one** pytest parameter, ``case``: a named tuple of what it runs on (api, env, operation,
variant...). Why one: pytest gives each parameter of each test a fixture of its own (a definition, a setup, a
finalizer) and allure-pytest wraps each in a fixture entry; four parameters cost a one-request check about as much
again as its request, one costs a quarter of that. The ids, so node ids, deviations and learned costs, are those
the four parameters had; ``params_of`` expands a case back into its fields for the reports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypeVar

import pytest

from apiconform.config.model import Environment
from apiconform.targets.session import Operation, TargetSession

CASE = "case"
C = TypeVar("C", bound=tuple[Any, ...])


class ApiEnv(NamedTuple):
    """A rule per API and environment (rate limits, lifecycle)."""

    api: str
    env: Environment


class OperationEnv(NamedTuple):
    """A rule per operation and environment (contract, field types)."""

    operation: Operation
    env: Environment


class OperationCase(NamedTuple):
    """A rule per operation of an API, in one environment (isolation)."""

    api: str
    env: Environment
    operation: Operation


class MatrixCase(NamedTuple):
    """One cell of a failure matrix: a variant (wrong secret, no token...) on an operation (auth)."""

    api: str
    env: Environment
    operation: Operation
    variant: str


class PairCase(NamedTuple):
    """An operation probed across a pair of environments, ``env`` being where the request goes (environments)."""

    api: str
    env: Environment
    operation: Operation
    pair: tuple[Environment, Environment]


def parametrize_cases(metafunc: pytest.Metafunc, cases: Sequence[Any], ids: Sequence[str] | None = None) -> None:
    """Parametrize the test's one ``case`` argument (cases, or ``pytest.param`` of cases with their ids)."""
    metafunc.parametrize(CASE, cases, ids=ids)


def params_of(item: pytest.Item) -> dict[str, Any]:
    """The test's parameters by name, its case's fields expanded (``api``, ``env``, ``operation``...)."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return {}
    params = dict(callspec.params)
    case = params.get(CASE)
    if isinstance(case, tuple) and hasattr(case, "_asdict"):
        del params[CASE]
        return {**case._asdict(), **params}
    return params


def operation_params(
    session: TargetSession, keep: Callable[[Operation], bool] = lambda _: True, *, with_excluded: bool = False
) -> list[Any]:
    """An ``OperationEnv`` for every operation the target offers, in every environment with a main credential;
    ``with_excluded`` adds the operations the target excludes as skipped items, so the report lists them as
    not run, with the configured reason."""
    params = []
    for api in session.target.apis():
        for op in session.operations(api):
            if not keep(op):
                continue
            for env in session.environments(api):
                params.append(pytest.param(OperationEnv(op, env), id=f"{api}:{op.operation_id}:{env}"))
        if with_excluded:
            for op, reason in session.excluded(api):
                for env in session.environments(api, None):
                    skip = pytest.mark.skip(reason=f"not run: {op.operation_id} is excluded by the target ({reason})")
                    case = OperationEnv(op, env)
                    params.append(pytest.param(case, id=f"{api}:{op.operation_id}:{env}", marks=skip))
    return params


def api_env_params(
    session: TargetSession, keep: Callable[[str], bool] = lambda _: True, *, one_environment: int | None = None
) -> list[Any]:
    """An ``ApiEnv`` for every API the filter keeps, in every environment that has a base URL for it; with
    ``one_environment`` (a turn number), in one of them: the turn's, round robin."""
    params = []
    for api in session.target.apis():
        envs = session.environments(api, None) if keep(api) else []
        if one_environment is not None and envs:
            envs = [envs[one_environment % len(envs)]]
        params += [pytest.param(ApiEnv(api, env), id=f"{api}:{env}") for env in envs]
    return params


def documents_status(session: TargetSession, api: str, status: str) -> bool:
    """Whether any operation of the API documents a response with this status."""
    return any(status in op.raw.get("responses", {}) for op in session.operations(api))


def has_id_secret_pair(session: TargetSession, api: str) -> bool:
    """APIs behind an id + secret pair of API keys: applications, plans and contracts apply there."""
    security = session.security(api)
    return security is not None and security.id_key is not None and security.secret_key is not None


def covering(cases: list[C], *, full: bool, per_environment: bool = True) -> list[C]:
    """The failure-matrix cases ``(api, env, operation, variant)`` a profile runs: all of them (``full``), or a
    covering set in which each API meets every variant once and every operation at least once, in each environment
    (or, without ``per_environment``, in any one of them): greedy set cover, in collection order.

    Why: a refusal defect is rarely one operation's alone, and a pull request's run should spend one request per
    variant, not one per variant and operation; the nightly profile still sends the whole matrix."""
    if full:
        return cases

    def needs(case: tuple[Any, ...]) -> set[tuple[Any, ...]]:
        api, env, op, variant = case
        where = (env,) if per_environment else ()
        return {("variant", api, *where, variant), ("operation", api, *where, getattr(op, "operation_id", op))}

    uncovered = set().union(*(needs(c) for c in cases)) if cases else set()
    chosen: list[int] = []
    while uncovered:
        best = max(range(len(cases)), key=lambda i: (len(needs(cases[i]) & uncovered), -i))
        chosen.append(best)
        uncovered -= needs(cases[best])
    return [cases[i] for i in sorted(chosen)]
