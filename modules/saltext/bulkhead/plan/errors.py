"""Errors raised while planning: the pillar validated, but the recorded state forbids the plan."""

from __future__ import annotations


class PlanError(ValueError):
    """The plan cannot be made without breaking a promise (e.g. reusing a recorded address)."""
