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
