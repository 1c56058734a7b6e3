"""Tests of the suites in suites/: real runs against the embedded sandbox."""
