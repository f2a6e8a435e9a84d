"""Validation errors that name the pillar path (Salt's colon notation) and what is allowed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class PillarIssue:
    """One problem: ``path`` (``bulkhead:domains:work:memory:max``), what is wrong and allowed, and
    ``where`` (``FILE:LINE``) when the pillar came from a file."""

    path: str
    message: str
    where: str = ""

    def __str__(self) -> str:
        return ": ".join(part for part in (self.where, self.path, self.message) if part)


class PillarError(ValueError):
    """All problems found in one pillar, reported together."""

    def __init__(self, issues: list[PillarIssue]):
        self.issues = sorted(set(issues))
        super().__init__("\n".join(str(i) for i in self.issues))

    @property
    def lines(self) -> list[str]:
        return [str(i) for i in self.issues]
