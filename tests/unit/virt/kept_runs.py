"""Runs sharing one cache folder, as successive processes do (tests of virt's kept files)."""

from __future__ import annotations

from pathlib import Path

from saltext.bulkhead.virt import InventoryCache, tracked


class Runs:
    """Runs of one cache folder on ``conn``: ``new()`` starts the next with a fresh run cache,
    as a new process has; ``run`` is its tracked connection."""

    def __init__(self, conn, directory: Path) -> None:
        self.conn, self.directory = conn, str(directory)
        self.new()

    def new(self) -> None:
        self.run = tracked(self.conn, InventoryCache())


def counted_calls(monkeypatch, module, name: str) -> list:
    """The calls of ``module.name`` from now on (the first argument of each), still made: how
    often a run did the work its kept file should have spared it."""
    calls: list = []
    real = getattr(module, name)

    def counting(first, *rest, **named):
        calls.append(first)
        return real(first, *rest, **named)

    monkeypatch.setattr(module, name, counting)
    return calls
