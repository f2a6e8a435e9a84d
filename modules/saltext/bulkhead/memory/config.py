"""Tunables of the balancer, with the defaults the simulator was tuned with (see docs/memory.md)."""

from __future__ import annotations

from dataclasses import dataclass

from .domain import KIB_PER_MIB


@dataclass(frozen=True, slots=True)
class BalancerConfig:
    """``cache_factor``: preference = used x this, leaving room for page cache (Qubes uses 1.3).
    ``floor_kib``: no preference below this, so an idle guest can still wake up and allocate.
    ``threshold_kib``: changes smaller than this are not made (hysteresis), unless needed to keep
    the total within capacity.
    ``band``: a domain that has its preference while memory is plentiful is also left alone while
    within this fraction of its ideal target (its spare memory is only cache).
    """

    cache_factor: float = 1.3
    floor_kib: int = 96 * KIB_PER_MIB
    threshold_kib: int = 16 * KIB_PER_MIB
    band: float = 0.25

    def __post_init__(self) -> None:
        if not 1.0 <= self.cache_factor <= 10.0:
            raise ValueError(f"cache_factor must be within [1, 10], got {self.cache_factor}")
        if self.floor_kib <= 0:
            raise ValueError("floor_kib must be positive (preferences are used as weights)")
        if self.threshold_kib < 0:
            raise ValueError("threshold_kib must not be negative")
        if not 0.0 <= self.band < 1.0:
            raise ValueError(f"band must be within [0, 1), got {self.band}")


DEFAULT_CONFIG = BalancerConfig()
"""Immutable, so one shared instance serves as every default."""
