"""Collection-time parameters for suites: what the target offers, as readable pytest ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from apiconform.targets.session import Operation, TargetSession


def operation_params(
    session: TargetSession, keep: Callable[[Operation], bool] = lambda _: True, *, with_excluded: bool = False
) -> list[Any]:
    """(operation, env) for every operation the target offers, in every environment with a main credential;
    ``with_excluded`` adds the operations the target excludes as skipped items, so the report lists them as
    not run, with the configured reason."""
    params = []
    for api in session.target.apis():
        for op in session.operations(api):
            if not keep(op):
                continue
            for env in session.environments(api):
                params.append(pytest.param(op, env, id=f"{api}:{op.operation_id}:{env}"))
        if with_excluded:
            for op, reason in session.excluded(api):
                for env in session.environments(api, None):
                    skip = pytest.mark.skip(reason=f"not run: {op.operation_id} is excluded by the target ({reason})")
                    params.append(pytest.param(op, env, id=f"{api}:{op.operation_id}:{env}", marks=skip))
    return params


def api_env_params(session: TargetSession, keep: Callable[[str], bool] = lambda _: True) -> list[Any]:
    """(api, env) for every API the filter keeps, in every environment that has a base URL for it."""
    return [
        pytest.param(api, env, id=f"{api}:{env}")
        for api in session.target.apis()
        if keep(api)
        for env in session.environments(api, None)
    ]


def documents_status(session: TargetSession, api: str, status: str) -> bool:
    """Whether any operation of the API documents a response with this status."""
    return any(status in op.raw.get("responses", {}) for op in session.operations(api))


def has_id_secret_pair(session: TargetSession, api: str) -> bool:
    """APIs behind an id + secret pair of API keys: applications, plans and contracts apply there."""
    security = session.security(api)
    return security is not None and security.id_key is not None and security.secret_key is not None
