"""Wires the apiconform pytest plugin in for a checkout, so ``pytest suites/`` works as documented even where
the package's entry point is not installed (an installed one already registers it: nothing is done twice)."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points
from pathlib import Path

if not any(ep.value == "apiconform.plugin" for ep in entry_points(group="pytest11")):
    sys.path.insert(0, str(Path(__file__).parent / "src"))
    pytest_plugins = ["apiconform.plugin"]
