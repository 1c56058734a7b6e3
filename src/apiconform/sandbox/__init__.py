"""The embedded vendor sandbox: the documented APIs in two environments, with switchable defects.

Reached only over HTTP; nothing outside ``apiconform.targets.embedded`` and the CLI imports it.
"""
