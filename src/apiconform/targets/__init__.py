"""Targets: the one HTTP client every suite uses, and the start-up of the embedded target."""
