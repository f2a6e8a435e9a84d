"""Stable IPv4 addresses and MAC addresses for every NIC the pillar asks for.

Rules (in this order): an address pinned in pillar wins; an address recorded for a domain is kept;
a domain that still needs one gets the lowest free address of ``host.address_pool``. The network,
broadcast and first usable addresses are never handed out. An address recorded for one domain is
never given to another (even one that pins it): that is an error, not a silent reuse.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from ..model import Pillar
from .errors import PlanError
from .names import network_name
from .recorded import RecordedDomain

MAC_PREFIX = "52:54:00"


@dataclass(frozen=True)
class Nic:
    network: str
    role: str  # "uplink" (client of a netvm), "serving" (its own network) or "external"
    mac: str


@dataclass(frozen=True)
class Allocation:
    address: ipaddress.IPv4Address | None
    nics: tuple[Nic, ...]


def wanted_networks(pillar: Pillar, name: str) -> tuple[tuple[str, str], ...]:
    """(network, role) of each NIC of a domain, the way out first so it is always the first NIC."""
    domain = pillar.domains[name]
    nics = []
    if domain.uplink is not None:
        nics.append((domain.uplink.network, "external"))
    if domain.has_network:
        nics.append((network_name(str(domain.netvm)), "uplink"))
    if domain.provides_network:
        nics.append((network_name(name), "serving"))
    return tuple(nics)


def reserved(pool: ipaddress.IPv4Network) -> set[ipaddress.IPv4Address]:
    first = pool.network_address + 1 if pool.num_addresses > 2 else pool.network_address
    return {pool.network_address, pool.broadcast_address, first}


def _allocate_addresses(
    pillar: Pillar, recorded: Mapping[str, RecordedDomain]
) -> dict[str, ipaddress.IPv4Address]:
    pool = pillar.host.address_pool
    taken: dict[ipaddress.IPv4Address, str] = {}
    # Every recorded address stays taken, including those of domains no longer in pillar: their
    # owner still exists in libvirt, so handing the address out again would be a silent reuse.
    for name in sorted(recorded):
        addr = recorded[name].address
        if addr is not None:
            taken.setdefault(addr, name)
    # Only NICs on bulkhead networks take pool addresses; an external NIC has its own static one.
    needing = [n for n in sorted(pillar.domains)
               if pillar.domains[n].has_network or pillar.domains[n].provides_network]
    result: dict[str, ipaddress.IPv4Address] = {}
    for name in needing:
        pin = pillar.domains[name].ip
        if pin is None:
            continue
        if pin not in pool or pin in reserved(pool):
            raise PlanError(f"bulkhead:domains:{name}:ip: {pin} is not a usable address of {pool}")
        owner = taken.get(pin)
        if owner is not None and owner != name:
            raise PlanError(
                f"bulkhead:domains:{name}:ip: {pin} is recorded for domain {owner!r}; "
                "addresses are never reused silently (remove or re-address that domain first)")
        if pin in result.values():
            raise PlanError(f"bulkhead:domains:{name}:ip: {pin} is pinned by another domain")
        result[name] = pin
        taken[pin] = name
    for name in needing:
        if name in result:
            continue
        rec = recorded.get(name)
        if rec is not None and rec.address is not None and rec.address in pool:
            result[name] = rec.address
    free = (a for a in pool.hosts() if a not in taken and a not in reserved(pool))
    for name in needing:
        if name not in result:
            try:
                result[name] = next(free)
            except StopIteration:
                raise PlanError(
                    f"bulkhead:host:address_pool: {pool} has no free address for {name}"
                ) from None
            taken[result[name]] = name
    return result


def _derived_mac(name: str, network: str, attempt: int) -> str:
    digest = hashlib.sha256(f"{name}\0{network}\0{attempt}".encode()).digest()
    return MAC_PREFIX + "".join(f":{b:02x}" for b in digest[:3])


def _allocate_macs(
    pillar: Pillar, recorded: Mapping[str, RecordedDomain]
) -> dict[str, tuple[Nic, ...]]:
    used = {i.mac for r in recorded.values() for i in r.interfaces}
    result: dict[str, tuple[Nic, ...]] = {}
    for name in sorted(pillar.domains):
        rec = recorded.get(name)
        nics = []
        for network, role in wanted_networks(pillar, name):
            mac = rec.mac_for(network) if rec is not None else None
            if mac is None:
                attempt = 0
                while (mac := _derived_mac(name, network, attempt)) in used:
                    attempt += 1
                used.add(mac)
            nics.append(Nic(network, role, mac))
        result[name] = tuple(nics)
    return result


def allocate(pillar: Pillar, recorded: Mapping[str, RecordedDomain]) -> dict[str, Allocation]:
    """Allocation of every pillar domain (address None and no NICs for ``netvm: none``)."""
    addresses = _allocate_addresses(pillar, recorded)
    macs = _allocate_macs(pillar, recorded)
    return {n: Allocation(addresses.get(n), macs[n]) for n in sorted(pillar.domains)}
