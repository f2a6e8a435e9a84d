"""Errors of the policy engine. Every syntax problem names the file and line it was found on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class PolicyIssue:
    """One problem in a policy file. ``line`` is 1-based; 0 means the file as a whole."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PolicySyntaxError(ValueError):
    """A policy that did not load. It carries every issue found, in the order they were found."""

    def __init__(self, issues: list[PolicyIssue]):
        if not issues:
            raise ValueError("PolicySyntaxError needs at least one issue")
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))

    @property
    def file(self) -> str:
        return self.issues[0].file

    @property
    def line(self) -> int:
        return self.issues[0].line


class SystemInfoError(ValueError):
    """SYSTEM.json (the provisioned domains and their properties) is not usable."""


class RequestError(ValueError):
    """A request that cannot be evaluated; callers deny it."""
