"""frame_room: a call runs inside one roomy chunk of CPython's frame stack and behaves like the plain call."""

from __future__ import annotations

import sys

import pytest

from apiconform import frame_room


def test_the_call_returns_and_raises_as_the_plain_call() -> None:
    assert frame_room.with_frame_room(lambda: 42) == 42
    with pytest.raises(ZeroDivisionError):
        frame_room.with_frame_room(lambda: 1 / 0)


def _depth(n: int) -> int:
    return 0 if n == 0 else 1 + _depth(n - 1)


def test_deep_recursion_inside_still_works() -> None:
    assert frame_room.with_frame_room(lambda: _depth(800)) == 800


@pytest.mark.skipif(sys.implementation.name != "cpython", reason="the frame stack is CPython's")
def test_the_wrapper_declares_a_frame_larger_than_a_chunk() -> None:
    """Larger than CPython's 16 KiB frame chunk, so it gets a chunk of its own with room to spare for callees."""
    declared = frame_room._call.__code__.co_stacksize * 8
    assert declared > 1024 * 1024


class _Item:
    def __init__(self, *markers: str) -> None:
        self.markers = markers

    def get_closest_marker(self, name: str) -> object | None:
        return object() if name in self.markers else None


def test_only_generated_suite_tests_are_called_through_the_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Other tests (a suite's one-request checks, a user's, async ones another plugin runs) are left to the next
    pytest_pyfunc_call: only generation recurses deep enough to gain from the roomy frame."""
    import _pytest.python

    from apiconform import plugin

    called: list[object] = []
    monkeypatch.setattr(_pytest.python, "pytest_pyfunc_call", lambda item: called.append(item) or True)
    assert plugin.pytest_pyfunc_call(_Item()) is None  # type: ignore[arg-type]
    assert plugin.pytest_pyfunc_call(_Item("concern")) is None  # type: ignore[arg-type]
    generated = _Item("concern", "generated")
    assert plugin.pytest_pyfunc_call(generated) is True  # type: ignore[arg-type]
    assert called == [generated]
