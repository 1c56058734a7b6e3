"""Collection-time parameters for suites: what the target offers, as readable pytest ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from apiconform.targets.session import Operation, TargetSession


def operation_params(session: TargetSession, keep: Callable[[Operation], bool] = lambda _: True) -> list[Any]:
    """(operation, env) for every operation of every API, in every environment with default credentials."""
    params = []
    for api in session.target.apis():
        role = session.default_role(api)
        for op in session.operations(api):
            if not keep(op):
                continue
            for env in session.environments(api, role):
                params.append(pytest.param(op, env, id=f"{api}:{op.operation_id}:{env}"))
    return params


def client_pair_params(session: TargetSession) -> list[Any]:
    """(api, env) for every API behind a client id + secret gateway (plans and contracts apply there)."""
    return [
        pytest.param(api, env, id=f"{api}:{env}")
        for api in session.target.apis()
        if session.kind(api) == "client_pair"
        for env in session.environments(api)
    ]
