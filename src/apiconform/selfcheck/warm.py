"""Suite runs forked from one warm process: the imports every run repeats are paid once per matrix.

A detection matrix is 29 pytest processes, and each used to spend most of a second importing pytest,
schemathesis, hypothesis, httpx and the sandbox's FastAPI before its first test: a third of the matrix's CPU.
``python -m apiconform.selfcheck.warm`` imports them once, then forks a child per run it is sent, so each run is
still a process of its own (a fresh sandbox, nothing carried from one run to the next) that starts warm.
Where there is no ``fork`` (Windows), :class:`WarmRunner` is not used and each run is a new interpreter.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import IO, NoReturn, Self

from apiconform.pytest_process import exit_with, pytest_here

# What a suite run imports before its first test. pytest cannot rewrite the asserts of a plugin module imported
# before it starts, and says so: the runs ignore that warning, as every forked pytest does
# (``apiconform.pytest_process``). The suites' own modules are imported by pytest in each run and rewritten.
PRELOAD = (
    "pytest",
    "_pytest.python",
    "_pytest.junitxml",
    "hypothesis",
    "schemathesis",
    "schemathesis.pytest.plugin",
    "allure_pytest.plugin",
    "xdist.plugin",
    "apiconform.plugin",
    "apiconform.sandbox.server",
    "apiconform.cli",
    "apiconform.runner",
)
GONE = "the warm suite runner (python -m apiconform.selfcheck.warm) exited before the run finished"


def available() -> bool:
    return hasattr(os, "fork")


class WarmRunner:
    """Sends runs to a warm process and hands back each one's exit status; safe to call from several threads."""

    def __init__(self, cwd: Path) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,  # a group of its own: closing can stop it with every run it forked
        )
        self._lock = threading.Lock()
        self._pending: dict[int, Future[int]] = {}
        self._next = 0
        self._gone = False
        self._reader = threading.Thread(target=self._read, args=(self._process.stdout,), daemon=True)
        self._reader.start()

    def run(
        self,
        args: list[str],
        cwd: Path,
        output: Path,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> int:
        """``pytest.main(args)`` in a fork of the warm process, in ``cwd``, both streams to ``output``; with
        ``env``, that is the run's whole environment (as ``subprocess.run(env=...)``). A run that outlasts
        ``timeout`` raises ``TimeoutError``."""
        request: dict[str, object] = {"program": "pytest", "args": list(args), "output": str(output)}
        return self._send(request, cwd, env, timeout)

    def run_cli(
        self,
        args: list[str],
        cwd: Path,
        stdout: Path,
        stderr: Path,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> int:
        """``apiconform ARGS`` in a fork of the warm process, as :meth:`run`, each stream to its file. The
        pytest of an ``apiconform run`` is forked from that fork (``apiconform.pytest_process``), warm too."""
        request: dict[str, object] = {"program": "apiconform", "args": list(args)}
        request |= {"output": str(stdout), "errors": str(stderr)}
        return self._send(request, cwd, env, timeout)

    def _send(self, request: dict[str, object], cwd: Path, env: Mapping[str, str] | None, timeout: float | None) -> int:
        future: Future[int] = Future()
        request["cwd"] = str(cwd)
        if env is not None:
            request["env"] = dict(env)
        with self._lock:
            if self._gone:
                raise RuntimeError(GONE)
            ident, self._next = self._next, self._next + 1
            self._pending[ident] = future
            assert self._process.stdin is not None
            try:
                self._process.stdin.write(json.dumps({"id": ident, **request}) + "\n")
                self._process.stdin.flush()
            except OSError as exc:
                del self._pending[ident]
                raise RuntimeError(GONE) from exc
        return future.result(timeout)

    def _read(self, stream: IO[str] | None) -> None:
        assert stream is not None
        for line in stream:
            parts = line.split()
            if len(parts) != 2 or not all(part.lstrip("-").isdigit() for part in parts):
                continue  # not a status line (a preloaded module that printed): never the end of the reader
            ident, code = int(parts[0]), int(parts[1])
            with self._lock:
                future = self._pending.pop(ident, None)
            if future is not None:
                future.set_result(code)
        with self._lock:  # the warm process is gone: every run still waiting has crashed
            self._gone = True
            for future in self._pending.values():
                future.set_exception(RuntimeError(GONE))
            self._pending.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        self.close(0 if error is not None else None)  # an error or Ctrl-C in the caller stops the runs

    def close(self, timeout: float | None = None) -> None:
        """No more runs: the warm process waits for its children, then exits; after ``timeout`` seconds it is
        killed with every run it forked (a run that hangs must not hang whoever closes it)."""
        assert self._process.stdin is not None
        self._process.stdin.close()
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
        self._reader.join()


def _child(request: dict[str, object]) -> NoReturn:
    """In the fork: redirect, run pytest or the CLI, exit with its status (never return into the serving loop)."""

    def run() -> int:
        cwd = Path(str(request["cwd"]))
        os.chdir(cwd)
        env = request.get("env")
        if isinstance(env, dict):
            from apiconform.config.runtime import replace_environment

            replace_environment({str(k): str(v) for k, v in env.items()})
        _redirect(str(request["output"]), str(request.get("errors") or request["output"]))
        args = [str(arg) for arg in request["args"]]  # type: ignore[attr-defined]
        if request.get("program") != "apiconform":
            return pytest_here(args, cwd)
        from apiconform.cli import main

        sys.argv = ["apiconform", *args]
        return main(args)

    exit_with(run)


def _redirect(output: str, errors: str) -> None:
    """Standard input from /dev/null, standard output to ``output``, standard error to ``errors``."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    for fd, path in ((1, output), (2, errors)):
        if fd == 2 and errors == output:
            os.dup2(1, 2)
            continue
        opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(opened, fd)
        os.close(opened)


def serve() -> None:
    """Read one JSON request a line from stdin, fork a child for each; write ``id status`` as each ends."""
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    children: dict[int, int] = {}
    buffered, open_input = b"", True
    while open_input or children:
        if open_input and select.select([0], [], [], 0.02)[0]:
            chunk = os.read(0, 65536)
            open_input = bool(chunk)
            buffered += chunk
            while b"\n" in buffered:
                line, buffered = buffered.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    _child(request)
                children[pid] = int(request["id"])
        elif not open_input:
            pid, status = os.wait()
            _report(children.pop(pid), status)
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            _report(children.pop(pid), status)


def _report(ident: int, status: int) -> None:
    os.write(1, f"{ident} {os.waitstatus_to_exitcode(status)}\n".encode())


if __name__ == "__main__":
    serve()
