"""Observed shapes and drift: what the target actually answered, and what changed since the last run.

A run records, per target, environment and operation, the *shape* of every answer (field paths, JSON
types, documented enum values, nullability, array lengths, statuses, header names, media types) under
``reports/observed/``; never a value that could be personal data or a secret. ``drift`` compares two
such records (or a record with a baseline the team keeps) and classifies each difference by what it
means for a consumer of the answers.
"""
