"""``make bench``: what a run of apiconform costs, and where the time goes, in one table.

Every figure is a median of ``--repeat`` runs with its min, max and run count (some are measured once, and say
so). Nothing leaves 127.0.0.1, every subprocess and loop has a deadline, and a missed target is reported, not
fatal: the exit status is non-zero only when something could not be measured at all.
"""
