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
