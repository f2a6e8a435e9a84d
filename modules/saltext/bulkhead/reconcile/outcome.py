"""Reconcile results and the action list that makes test=True structural.

Every reconcile function first inspects libvirt (read-only calls) and records, for each needed
change, an entry in ``changes`` and a step (a closure doing the mutating calls). Only then, and only
when not in test mode, are the steps run in order. Test mode therefore reports exactly the changes
a real run makes, and cannot mutate anything.

Each change is recorded before the step that makes it: a change belongs to the first step added
after it. When a step fails, the outcome's changes are those of the steps that completed, never
the planned ones that did not happen (the failure and what was done are in the comment).

A step reports failure by raising one of ``Work.failures`` (OSError here; virt's ``LibvirtWork``
adds libvirt's errors): the outcome is then failed, naming the step. Anything else is a bug and
propagates. This package imports no libvirt, so daemons' and systemd's states use it too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar


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
    # leaf path of each change -> index of the step that makes it (see the module docstring)
    made_by: dict[tuple[str, ...], int] = field(default_factory=dict)
    # what a failing step may raise to be reported in the outcome (see the module docstring)
    failures: ClassVar[tuple[type[Exception], ...]] = (OSError,)

    def step(self, what: str, run: Callable[[], object]) -> None:
        for path in _leaves(self.changes):
            self.made_by.setdefault(path, len(self.steps))
        self.steps.append((what, run))

    def section(self, key: str) -> dict[str, Any]:
        return self.changes.setdefault(key, {})

    def finish(self, test: bool, subject: str) -> Outcome:
        changes = _prune(self.changes)
        if not self.steps:
            return Outcome(True, changes,
                           " ".join([f"{subject} is in the desired state.", *self.notes]))
        if test:
            pending = "; ".join(what for what, _ in self.steps)
            return Outcome(None, changes, f"{subject} would change: {pending}.")
        done = []
        for what, run in self.steps:
            try:
                note = run()
            except self.failures as exc:
                msg = str(exc)
                finished = "; ".join(done) or "nothing"
                made = _prune(_made(self.changes, (), self.made_by, len(done)))
                return Outcome(False, made,
                               f"{subject}: failed to {what}: {msg} (done before: {finished}).")
            done.append(what)
            if isinstance(note, str):
                self.notes.append(note)
        return Outcome(True, changes,
                       " ".join([f"{subject} updated: {'; '.join(done)}.", *self.notes]))


def _prune(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in changes.items() if v not in ({}, None, [])}


def _leaves(changes: dict[str, Any], at: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Paths of the values that are not themselves mappings: each one recorded change."""
    out = []
    for key, value in changes.items():
        path = (*at, key)
        out.extend(_leaves(value, path) if isinstance(value, dict) else [path])
    return out


def _made(changes: dict[str, Any], at: tuple[str, ...], made_by: dict[tuple[str, ...], int],
          done: int) -> dict[str, Any]:
    """The changes the first ``done`` steps made; a change recorded after the last step added
    belongs to no step, so it was made by none."""
    out: dict[str, Any] = {}
    for key, value in changes.items():
        path = (*at, key)
        if isinstance(value, dict):
            kept = _made(value, path, made_by, done)
            if kept:
                out[key] = kept
        elif made_by.get(path, done) < done:
            out[key] = value
    return out


def refused(comment: str) -> Outcome:
    """An object in the way that bulkhead does not own, or a request it will not carry out."""
    return Outcome(False, {}, comment)
