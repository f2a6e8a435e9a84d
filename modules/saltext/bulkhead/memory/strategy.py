"""The balancing strategies the simulator replays a trace with (bulkhead's, a qmemman-style
baseline): ``bulkhead memory simulate --strategy``, not an RPC policy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .admission import Admission, request_memory
from .balance import InsufficientMemory, balance
from .baseline import qmemman_admission, qmemman_targets
from .config import DEFAULT_CONFIG, BalancerConfig
from .domain import DomainMemory


class Strategy(Protocol):
    name: str

    def balance(self, domains: Sequence[DomainMemory], capacity_kib: int) -> dict[str, int]: ...

    def admit(
        self, domains: Sequence[DomainMemory], capacity_kib: int, need_kib: int
    ) -> Admission: ...


@dataclass(frozen=True)
class BulkheadStrategy:
    config: BalancerConfig = DEFAULT_CONFIG
    name: str = "bulkhead"

    def balance(self, domains: Sequence[DomainMemory], capacity_kib: int) -> dict[str, int]:
        try:
            return balance(domains, capacity_kib, self.config).targets  # a new dict each time
        except InsufficientMemory:  # as the daemon: log it (here: count it) and change nothing
            return {d.name: d.current_kib for d in domains}

    def admit(self, domains: Sequence[DomainMemory], capacity_kib: int, need_kib: int) -> Admission:
        return request_memory(domains, capacity_kib, need_kib, self.config)


@dataclass(frozen=True)
class QmemmanStrategy:
    """Qubes' qmemman design (baseline.py), the balancer users would otherwise run."""

    name: str = "qmemman"

    def balance(self, domains: Sequence[DomainMemory], capacity_kib: int) -> dict[str, int]:
        return qmemman_targets(domains, capacity_kib)

    def admit(self, domains: Sequence[DomainMemory], capacity_kib: int, need_kib: int) -> Admission:
        return qmemman_admission(domains, capacity_kib, need_kib)


STRATEGIES = ("bulkhead", "qmemman")


def make_strategy(name: str, config: BalancerConfig = DEFAULT_CONFIG) -> Strategy:
    if name == "bulkhead":
        return BulkheadStrategy(config)
    if name == "qmemman":
        return QmemmanStrategy()
    raise ValueError(f"unknown strategy {name!r}; choose one of {', '.join(STRATEGIES)}")
