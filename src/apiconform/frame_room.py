"""Run a call with room on CPython's frame stack, so deep recursion stops mapping and unmapping memory.

CPython 3.11+ keeps a thread's Python frames in 16 KiB chunks: a frame that does not fit opens a new chunk
(``mmap``) and popping that chunk's first frame frees it (``munmap``) at once. Hypothesis and schemathesis
recurse up and down across such a boundary all the time: a nightly contract run made 1.2 million
mmap/munmap pairs (with ``-n 2``; 0.5 million without), each a pair of system calls and a page fault. A
function whose code declares a huge value stack gets a chunk of its own, sized to the next power of two,
and every frame it calls lives in the unused rest of that chunk: there is no boundary left to cross. The
declared stack is never written (CPython clears only a frame's locals), so its pages are never touched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
_SLOTS = (1 << 17) + (1 << 12)  # 1.03 MiB of frame: its chunk is 2 MiB, and the ~1 MiB left holds thousands of frames


def _call(function: Callable[[], T]) -> T:
    return function()


try:
    _call.__code__ = _call.__code__.replace(co_stacksize=_SLOTS)
except (AttributeError, TypeError, ValueError):  # pragma: no cover - an interpreter without CPython code objects
    pass


def with_frame_room(function: Callable[[], T]) -> T:
    """``function()``, its frames (and their callees') kept inside one chunk of CPython's frame stack."""
    return _call(function)
