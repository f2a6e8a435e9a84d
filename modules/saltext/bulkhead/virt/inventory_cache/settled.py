"""Which objects of one kind are active and start at boot, as one run lists them."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from ..connection import Connection
from ..readers import Batch


class Settled:
    """Names of the objects of one kind that are active and start at boot (one filtered listing;
    the pool and the networks a run converges, asked again by every domain that uses them)."""

    def __init__(self, list_all: Callable[[Any, int], list[Any]], flags: int) -> None:
        self._list_all = list_all
        self._flags = flags
        self._objects: dict[str, Any] | None = None  # name -> the listed object
        self._ahead: Future[dict[str, Any]] | None = None  # read_ahead's listing

    def _list(self, conn: Connection) -> dict[str, Any]:
        return {obj.name(): obj for obj in self._list_all(conn, self._flags)}

    def read_ahead(self, batch: Batch, conn: Connection) -> Future[dict[str, Any]] | None:
        """Add the listing to ``batch``; its future, unless listed already."""
        if self._objects is None and self._ahead is None:
            self._ahead = batch.add(self._list, conn)
        return self._ahead

    def includes(self, conn: Connection, name: str) -> bool:
        if self._objects is None:
            ahead, self._ahead = self._ahead, None
            self._objects = ahead.result() if ahead is not None else self._list(conn)
        return name in self._objects

    def listed(self, name: str) -> Any | None:
        """The object ``name`` when this run has listed it settled (so active) and nothing of it
        changed since; asks libvirt nothing."""
        return None if self._objects is None else self._objects.get(name)

    def forget(self) -> None:
        self._objects, self._ahead = None, None
