"""Guest memory statistics as libvirt reports them, reduced to the one number the balancer needs.

``virDomainMemoryStats`` (virtio-balloon stats) gives KiB values: ``actual`` (current balloon size),
``available`` (memory the guest kernel sees), ``unused`` (free), ``usable`` (what the guest could
reclaim without swapping, its MemAvailable) and ``disk_caches`` (page cache). Guests without the
balloon stats queue report only ``actual``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BalloonStats:
    """One domain's balloon statistics in KiB; ``None`` where the guest did not report a value."""

    actual: int
    available: int | None = None
    unused: int | None = None
    usable: int | None = None
    disk_caches: int | None = None

    def __post_init__(self) -> None:
        for name in ("actual", "available", "unused", "usable", "disk_caches"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise ValueError(
                    f"balloon stat {name!r} must be a non-negative integer, got {value!r}"
                )

    @classmethod
    def from_libvirt(cls, stats: Mapping[str, int]) -> BalloonStats:
        """Build from the dict ``virDomain.memoryStats()`` returns (unknown keys are ignored)."""
        if "actual" not in stats:
            raise ValueError("libvirt memory stats lack 'actual': is the balloon device present?")
        return cls(
            actual=int(stats["actual"]),
            available=_optional(stats, "available"),
            unused=_optional(stats, "unused"),
            usable=_optional(stats, "usable"),
            disk_caches=_optional(stats, "disk_caches"),
        )

    def used_kib(self) -> int | None:
        """Memory the guest really uses (not reclaimable), or ``None`` when it cannot be known.

        ``usable`` (MemAvailable) is preferred because the guest kernel already counts reclaimable
        caches and slabs in it; ``unused + disk_caches`` is the older approximation. ``None`` (no
        guest-side stats) makes the balancer leave the domain alone: guessing "it uses everything"
        would make its preference grow with every balloon inflation, without end.
        """
        if self.available is None:
            return None
        if self.usable is not None:
            return max(0, self.available - self.usable)
        if self.unused is not None:
            return max(0, self.available - self.unused - (self.disk_caches or 0))
        return None

    def overhead_kib(self) -> int:
        """The balloon size less the total the guest sees (``available``, its MemTotal): memory the
        guest kernel took for itself at boot. The guest reports it, so it is trusted no further
        than any preference: the balancer still keeps every target within the domain's bounds.
        """
        if self.available is None:
            return 0
        return max(0, self.actual - self.available)


def _optional(stats: Mapping[str, int], key: str) -> int | None:
    value = stats.get(key)
    return None if value is None else int(value)
