"""The two balancing policies the simulator can replay a trace with, behind one small interface."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .admission import Admission, request_memory
from .balance import balance
from .baseline import admit_always, proportional_targets
from .config import DEFAULT_CONFIG, BalancerConfig
from .domain import DomainMemory


class Policy(Protocol):
    name: str

    def balance(self, domains: Sequence[DomainMemory], capacity_kib: int) -> dict[str, int]: ...

    def admit(
        self, domains: Sequence[DomainMemory], capacity_kib: int, need_kib: int
    ) -> Admission: ...


@dataclass(frozen=True)
class BulkheadPolicy:
    config: BalancerConfig = DEFAULT_CONFIG
    name: str = "bulkhead"

    def balance(self, domains: Sequence[DomainMemory], capacity_kib: int) -> dict[str, int]:
        return dict(balance(domains, capacity_kib, self.config).targets)

    def admit(self, domains: Sequence[DomainMemory], capacity_kib: int, need_kib: int) -> Admission:
        return request_memory(domains, capacity_kib, need_kib, self.config)


@dataclass(frozen=True)
class ProportionalPolicy:
    name: str = "proportional"

    def balance(self, domains: Sequence[DomainMemory], capacity_kib: int) -> dict[str, int]:
        return proportional_targets(domains, capacity_kib)

    def admit(self, domains: Sequence[DomainMemory], capacity_kib: int, need_kib: int) -> Admission:
        return admit_always(need_kib)


POLICIES = ("bulkhead", "proportional")


def make_policy(name: str, config: BalancerConfig = DEFAULT_CONFIG) -> Policy:
    if name == "bulkhead":
        return BulkheadPolicy(config)
    if name == "proportional":
        return ProportionalPolicy()
    raise ValueError(f"unknown policy {name!r}; choose one of {', '.join(POLICIES)}")
