"""The balloon figures a guest reports, clamped to what its domain can really hold.

Every figure of ``virDomainMemoryStats`` that memd reads comes from the guest's balloon driver
(``actual`` is the balloon size the guest last reported, the rest are its own counters), and a
compromised guest reports whatever hurts most: a balloon larger than the domain, negative or
2**64 - 1 KiB, more memory available than it has. Every figure is clamped here, before anything
else sees it, into the domain's configured bounds and into sane relations with the others:

    min <= actual <= max          (a balloon never below the floor memd keeps, nor above <memory>)
    0 <= available <= actual      (the guest's MemTotal lies inside its balloon)
    0 <= unused, usable, disk_caches <= available

A figure that is not an integer is treated as not reported; an ``actual`` that is not one counts
as ``max`` (fail closed: the domain may hold everything it is allowed). Reading ``actual`` at
``min`` at worst is safe for the host: memd never sets a target below ``min``, so a guest
reporting less has at most lied its way into being asked for nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

READ_FIGURES = ("actual", "available", "unused", "usable", "disk_caches")
"""Every figure memd reads; the others (rss, swap, faults) are not looked at."""


def clamp_balloon(raw: Mapping[str, object], min_kib: int, max_kib: int) -> dict[str, int]:
    """``raw`` (``virDomain.memoryStats()``) reduced to the figures memd reads, each clamped.

    ``actual`` must be present (a domain without one has no balloon device); the optional
    figures are left out when the guest did not report them.
    """
    if "actual" not in raw:
        raise ValueError("libvirt memory stats lack 'actual': is the balloon device present?")
    actual = _bounded(_integer(raw["actual"]), min_kib, max_kib, missing=max_kib)
    figures = {"actual": actual}
    available = _integer(raw.get("available"))
    if available is None:
        return figures
    figures["available"] = _bounded(available, 0, actual)
    for name in ("unused", "usable", "disk_caches"):
        value = _integer(raw.get(name))
        if value is not None:
            figures[name] = _bounded(value, 0, figures["available"])
    return figures


def clamped_actual(raw: Mapping[str, object], min_kib: int, max_kib: int) -> int:
    """The balloon size alone, clamped the same way (``max`` when it is missing)."""
    return _bounded(_integer(raw.get("actual")), min_kib, max_kib, missing=max_kib)


def _integer(value: object) -> int | None:
    # bool is an int to Python, never a KiB count to libvirt
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _bounded(value: int | None, low: int, high: int, missing: int | None = None) -> int:
    if value is None:
        if missing is None:
            raise ValueError("a required balloon figure is missing")
        value = missing
    return min(max(value, low), high)
