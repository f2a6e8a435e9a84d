"""Settings of bulkhead-memd, with defaults suited to a workstation."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..memory.config import BalancerConfig
from ..memory.domain import KIB_PER_MIB

DEFAULT_SOCKET = Path("/run/bulkhead/memd.sock")


@dataclass(frozen=True, slots=True)
class DaemonConfig:
    """``host_kib``: memory for guests plus reserve; None reads /proc/meminfo each iteration
    (MemAvailable plus what the balanced guests hold now). ``reserve_kib`` stays with the host.
    ``stats_period``: seconds between guest balloon statistics updates, set once per domain.
    ``hold_seconds``: how long memory freed for a starting domain stays set aside for it, so the
    next balancing does not hand it back before the domain is running.
    ``request_wait``: how long a start request may wait for memory to become free before it is
    refused (a domain that has just started holds its whole maximum until its balloon loads).
    ``handover_wait``: how long a granted request waits for the donors' balloons to shrink to
    their new targets before the grant is withdrawn.
    ``stall_seconds``: a donor whose balloon has not moved towards the target memd set for this
    long is marked non-cooperating (``cooperation.py``): pinned, no donor, until it moves again.
    ``exclusive_record``: the exclusive-mode record (``exclusive/``): while a live run holds it,
    memd balances nothing (the paused guests report nothing new) and a start request waits.
    ``domains``: the names this daemon balances (the pillar's domains); None: every running domain
    with bulkhead metadata. Another workstation's domains on the same host count as host memory.
    """

    uri: str = "qemu:///system"
    interval: float = 2.0
    stats_period: int = 2
    reserve_kib: int = 512 * KIB_PER_MIB
    host_kib: int | None = None
    socket_path: Path = DEFAULT_SOCKET
    meminfo: Path = Path("/proc/meminfo")
    hold_seconds: float = 30.0
    request_wait: float = 20.0
    handover_wait: float = 10.0
    stall_seconds: float = 3.0
    balancer: BalancerConfig = field(default_factory=BalancerConfig)
    domains: frozenset[str] | None = None
    exclusive_record: Path | None = None

    def __post_init__(self) -> None:
        if self.interval <= 0:
            raise ValueError("interval must be positive")
        if min(self.request_wait, self.handover_wait, self.stall_seconds) < 0:
            raise ValueError("request_wait, handover_wait and stall_seconds must not be negative")
        if self.stats_period <= 0:
            raise ValueError("stats_period must be positive")
        if self.reserve_kib < 0:
            raise ValueError("reserve must not be negative")
        if self.host_kib is not None and self.host_kib <= self.reserve_kib:
            raise ValueError("host memory must exceed the reserve")
