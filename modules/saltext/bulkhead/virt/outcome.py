"""Reconcile results and the action list that makes test=True structural.

Every reconcile function first inspects libvirt (read-only calls) and records, for each needed
change, an entry in ``changes`` and a step (a closure doing the mutating calls). Only then, and only
when not in test mode, are the steps run in order. Test mode therefore reports exactly the changes
a real run makes, and cannot mutate anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import libvirt

from .errors import BulkheadVirtError


@dataclass(frozen=True)
class Outcome:
    result: bool | None  # None: test mode with pending changes (Salt's convention)
    changes: dict[str, Any]
    comment: str


@dataclass
class Work:
    changes: dict[str, Any] = field(default_factory=dict)
    steps: list[tuple[str, Callable[[], object]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def step(self, what: str, run: Callable[[], object]) -> None:
        self.steps.append((what, run))

    def section(self, key: str) -> dict[str, Any]:
        return self.changes.setdefault(key, {})

    def finish(self, test: bool, subject: str) -> Outcome:
        changes = _prune(self.changes)
        if not self.steps:
            return Outcome(True, changes, " ".join([f"{subject} is in the desired state.", *self.notes]))
        if test:
            pending = "; ".join(what for what, _ in self.steps)
            return Outcome(None, changes, f"{subject} would change: {pending}.")
        done = []
        for what, run in self.steps:
            try:
                note = run()
            except (libvirt.libvirtError, BulkheadVirtError, OSError) as exc:
                msg = exc.get_error_message() if isinstance(exc, libvirt.libvirtError) else str(exc)
                finished = "; ".join(done) or "nothing"
                return Outcome(False, changes, f"{subject}: failed to {what}: {msg} (done before: {finished}).")
            done.append(what)
            if isinstance(note, str):
                self.notes.append(note)
        return Outcome(True, changes, " ".join([f"{subject} updated: {'; '.join(done)}.", *self.notes]))


def _prune(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in changes.items() if v not in ({}, None, [])}


def refused(comment: str) -> Outcome:
    """An object in the way that bulkhead does not own, or a request it will not carry out."""
    return Outcome(False, {}, comment)
