"""``python -m tests.altvendor [--regression NAME ...] [--token-lifetime S]``: serve in the foreground."""

from __future__ import annotations

import argparse
import json
import threading

from tests.altvendor.control import REGRESSIONS
from tests.altvendor.server import start_altvendor


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.altvendor", description=__doc__)
    parser.add_argument("--regression", action="append", default=[], choices=sorted(REGRESSIONS))
    parser.add_argument("--token-lifetime", type=int, default=3600, metavar="SECONDS")
    args = parser.parse_args()
    with start_altvendor(args.regression, token_lifetime_s=args.token_lifetime) as vendor:
        print(json.dumps(vendor.describe(), indent=2), flush=True)
        print("serving on loopback; Ctrl-C stops", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
