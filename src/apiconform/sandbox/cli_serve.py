"""``apiconform sandbox serve`` and ``sandbox defects``: the sandbox standing alone, for manual debugging.

This is the one place that prints the sandbox's provisioned credentials: they are throwaway values,
made at this start and gone when it stops, and a developer poking the APIs by hand needs them.
Everything is flushed as soon as it is printed, so a parent reading a pipe sees the URLs at once.
The server runs in its thread; the main thread only waits for Ctrl-C or SIGTERM, then stops it.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterable
from types import FrameType
from typing import TextIO

from apiconform.sandbox.defects import DEFECTS, validate_defects
from apiconform.sandbox.provisioning import Manifest
from apiconform.sandbox.server import SandboxServer
from apiconform.sandbox.state import ENVIRONMENTS


def print_defects(out: TextIO = sys.stdout) -> int:
    width = max(len(name) for name in DEFECTS)
    for name, description in sorted(DEFECTS.items()):
        print(f"{name:<{width}}  {description}", file=out)
    return 0


def describe(manifest: Manifest, defects: Iterable[str], out: TextIO) -> None:
    """Base URLs first (what a client needs to connect), then portal, credentials and defects."""
    print(f"apiconform sandbox listening on {manifest.root_url}", file=out)
    for env in ENVIRONMENTS:
        print(f"\n[{env}]", file=out)
        for api in manifest.apis:
            print(f"  {api:<26} {manifest.base_url(env, api)}", file=out)
    print(f"\nportal                       {manifest.portal_url}", file=out)
    out.flush()
    print("\ncredentials (throwaway, valid until this server stops):", file=out)
    for env in ENVIRONMENTS:
        for role, credential in sorted(manifest.credentials.get(env, {}).items()):
            fields = "  ".join(f"{key}={value}" for key, value in credential.items())
            print(f"  {env:<10} {role:<11} {fields}", file=out)
    for role, credential in sorted(manifest.portal_credentials.items()):
        fields = "  ".join(f"{key}={value}" for key, value in credential.items())
        print(f"  {'portal':<10} {role:<11} {fields}", file=out)
    active = sorted(defects)
    print(f"\nactive defects: {', '.join(active) if active else 'none'}", file=out)
    print("press Ctrl-C to stop", file=out)
    out.flush()


def serve(defects: Iterable[str], host: str, port: int, out: TextIO = sys.stdout) -> int:
    """Run until interrupted; unknown defect names fail before anything starts (UsageError, exit 2)."""
    chosen = validate_defects(defects)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    server = SandboxServer(chosen, host=host, port=port)
    manifest = server.start()
    try:
        describe(manifest, chosen, out)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)
    with contextlib.suppress(BrokenPipeError):  # the reader went away first (e.g. `| head`)
        print("sandbox stopped", file=out, flush=True)
    return 0
