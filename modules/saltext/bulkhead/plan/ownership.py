"""Which workstation an object of bulkhead's belongs to, read from and written into its metadata.

Every domain and network bulkhead defines carries ``workstation="<name>"`` on its metadata
element. The mark is left out of the config hash (``metadata.stamp_hash``): it says whose the
object is, not how it is configured, so a host upgraded from before ownership keeps its hashes
and the first run adds the mark alone (adoption), redefining nothing else.
"""

from __future__ import annotations

from lxml import etree

WORKSTATION_ATTR = "workstation"


def owner_of(meta: etree._Element | None) -> str | None:
    """The workstation recorded in bulkhead's metadata element; None when none is (legacy)."""
    return None if meta is None else meta.get(WORKSTATION_ATTR)


def mark(meta: etree._Element, workstation: str) -> None:
    meta.set(WORKSTATION_ATTR, workstation)


def foreign(kind: str, name: str, owner: str | None, workstation: str) -> str | None:
    """Why this run must not touch ``kind name`` owned by ``owner``; None when it may (its own,
    or made before ownership and adopted now)."""
    if owner is None or owner == workstation:
        return None
    return (f"{kind} {name!r} belongs to workstation {owner!r}, not to this run's workstation "
            f"{workstation!r}: bulkhead never takes over another workstation's objects; rename "
            f"one of them (names are host-wide) or check bulkhead:host:workstation")


def is_mine(meta: etree._Element | None, workstation: str) -> bool:
    """Marked as this workstation's own (legacy objects are not: they are only adopted by a run
    that declares them)."""
    return owner_of(meta) == workstation
