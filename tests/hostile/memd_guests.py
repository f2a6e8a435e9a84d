"""Guests for the memd hostile tests: each plays a guest's balloon driver, nothing of memd.

The host is libvirt's test driver (real libvirt objects, real ``setMemoryFlags``); a guest wraps
its domain and answers ``memoryStats`` as its balloon driver would, honest or not. memd reaches
them through :class:`GuestHost`, a connection whose listing hands out the guests, as the daemon's
own libvirt source is replaced in tests/functional/memd.
"""

from __future__ import annotations

from collections.abc import Callable

import libvirt

MiB = 1024


class Guest:
    """A domain's guest side. ``stats`` answers memoryStats from the real balloon size."""

    def __init__(self, dom: libvirt.virDomain, stats: Callable[[int], dict]) -> None:
        self._dom, self._stats = dom, stats
        self.asked: list[int] = []
        """Every balloon target memd set."""

    def __getattr__(self, name: str):
        return getattr(self._dom, name)

    def balloon_kib(self) -> int:
        return self._dom.info()[2]

    def memoryStats(self) -> dict:  # noqa: N802 - libvirt's name
        return self._stats(self.balloon_kib())

    def setMemoryFlags(self, kib: int, flags: int = 0) -> int:  # noqa: N802
        self.asked.append(kib)
        return self.inflate(kib, flags)

    def inflate(self, kib: int, flags: int) -> int:
        return self._dom.setMemoryFlags(kib, flags)


class NeverInflates(Guest):
    """Reports almost no use and never moves its balloon, whatever target it is given."""

    def inflate(self, kib: int, flags: int) -> int:
        return 0


def idle_stats(used_mib: int) -> Callable[[int], dict]:
    """A guest using ``used_mib`` and reporting it truthfully."""

    def stats(actual: int) -> dict:
        return {"actual": actual, "available": actual, "unused": actual - used_mib * MiB,
                "usable": actual - used_mib * MiB, "disk_caches": 0}

    return stats


class GuestHost:
    """A real test-driver connection whose listing hands out the guests instead of the domains."""

    def __init__(self, conn: libvirt.virConnect) -> None:
        self._conn = conn
        self.guests: dict[str, Guest] = {}

    def __getattr__(self, name: str):
        return getattr(self._conn, name)

    def add(self, guest: Guest) -> Guest:
        self.guests[guest.name()] = guest
        return guest

    def listAllDomains(self, flags: int = 0) -> list:  # noqa: N802
        listed = self._conn.listAllDomains(flags)
        return [self.guests.get(dom.name(), dom) for dom in listed]
