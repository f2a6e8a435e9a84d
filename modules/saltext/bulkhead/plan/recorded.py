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
