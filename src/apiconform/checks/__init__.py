"""Checks: one small function per documented rule; failures are ``ContractViolation`` (an AssertionError)."""

from apiconform.checks.failures import Category, ContractViolation

__all__ = ["Category", "ContractViolation"]
