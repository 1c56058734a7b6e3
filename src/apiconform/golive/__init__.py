"""``apiconform golive``: a go-live readiness checklist for one target.

The items are the steps vendor documentation gives before going live (separate applications per environment,
access activated, secrets kept once and safe, ...). Their words and sources are data
(``schemas/common/golive.json``); this package only knows them by id and gathers the evidence: resolved
configuration, a few read-only requests, the last run's ``results.json``, ``drift.json`` and the repository.
"""
