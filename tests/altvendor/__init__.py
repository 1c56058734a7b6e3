"""An independent CarrierX Core + AT&T End-Customer Lookup vendor, written from the documentation alone.

It exists to test apiconform against a second implementation: it honours everything the documentation states
and, wherever the documentation is silent, deliberately answers differently from ``apiconform.sandbox``
(see README.md). It never imports the sandbox.
"""

from tests.altvendor.control import REGRESSIONS
from tests.altvendor.server import AltVendor, start_altvendor

__all__ = ["REGRESSIONS", "AltVendor", "start_altvendor"]
