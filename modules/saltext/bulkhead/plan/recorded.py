"""What bulkhead recorded in the metadata of the domains it already defined.

Apply reads these from libvirt and hands them to the plan, so that addresses, MACs and UUIDs stay
stable across runs and are never handed to another domain while their owner still exists.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True)
class RecordedInterface:
    network: str
    mac: str
    address: ipaddress.IPv4Address | None = None


@dataclass(frozen=True)
class RecordedDomain:
    uuid: str | None = None
    interfaces: tuple[RecordedInterface, ...] = ()

    @property
    def address(self) -> ipaddress.IPv4Address | None:
        for iface in self.interfaces:
            if iface.address is not None:
                return iface.address
        return None

    def mac_for(self, network: str) -> str | None:
        for iface in self.interfaces:
            if iface.network == network:
                return iface.mac
        return None


@dataclass(frozen=True)
class RecordedMemory:
    """A domain's memory bounds in MiB as the plan recorded them: min <= initial <= max."""

    min_mib: int
    initial_mib: int
    max_mib: int

    def __post_init__(self) -> None:
        if not 0 < self.min_mib <= self.initial_mib <= self.max_mib:
            raise ValueError(f"memory bounds must satisfy 0 < min <= initial <= max, got "
                             f"min={self.min_mib} initial={self.initial_mib} max={self.max_mib}")
