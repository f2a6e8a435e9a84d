"""What the balancer knows about one running domain."""

from __future__ import annotations

from dataclasses import dataclass

from .stats import BalloonStats

KIB_PER_MIB = 1024


@dataclass(frozen=True, slots=True)
class DomainMemory:
    """A running domain: its bounds, its current balloon target and its used memory, all in KiB.

    ``used_kib`` is ``None`` for a domain that reports no guest statistics; the balancer then keeps
    it at ``current_kib`` and balances the others around it. ``overhead_kib`` is the part of the
    balloon the guest kernel never counts in its own total (its image, page tables of all memory,
    reservations): about 50 MiB for a Debian kernel, whatever the balloon size.
    """

    name: str
    min_kib: int
    max_kib: int
    current_kib: int
    used_kib: int | None
    overhead_kib: int = 0

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("domain name must not be empty")
        if not 0 < self.min_kib <= self.max_kib:
            raise ValueError(f"{self.name}: need 0 < min ({self.min_kib}) <= max ({self.max_kib})")
        if self.current_kib < 0:
            raise ValueError(f"{self.name}: current memory must not be negative")
        if self.used_kib is not None and self.used_kib < 0:
            raise ValueError(f"{self.name}: used memory must not be negative")
        if self.overhead_kib < 0:
            raise ValueError(f"{self.name}: overhead must not be negative")

    @classmethod
    def from_stats(cls, name: str, min_kib: int, max_kib: int, stats: BalloonStats) -> DomainMemory:
        """The daemon's entry point: bounds from the pillar, the rest from balloon stats."""
        return cls(name, min_kib, max_kib, stats.actual, stats.used_kib(), stats.overhead_kib())

    @property
    def managed(self) -> bool:
        return self.used_kib is not None

    def within_bounds(self, kib: int) -> bool:
        return self.min_kib <= kib <= self.max_kib
