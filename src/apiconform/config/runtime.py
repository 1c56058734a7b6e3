"""Facts about the run that come from the process environment (the config layer reads them, nobody else)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class RunEnvironment:
    ci: bool
    build_order: int
    build_url: str | None


def run_environment() -> RunEnvironment:
    order = os.environ.get("APICONFORM_BUILD_ORDER", "1")
    return RunEnvironment(
        ci=bool(os.environ.get("CI")),
        build_order=int(order) if order.isdigit() else 1,
        build_url=os.environ.get("BUILD_URL") or None,
    )


def replace_environment(values: Mapping[str, str]) -> None:
    """Make ``values`` this process's whole environment: what ``subprocess.run(env=...)`` gives a new process,
    for a run forked instead (``apiconform.selfcheck.warm``)."""
    os.environ.clear()
    os.environ.update(values)
