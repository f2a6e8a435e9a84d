"""From a validated pillar and the plan's address allocations to one ruleset per netvm.

The clients of a netvm are the domains naming it as ``netvm``; each is given the netvm's address
as gateway and DNS server (plan/guest_config.py), so that address is the DNS special target here.
A client without an allocated address cannot be matched by source and is left out, which means
it gets no forwarding at all (fail closed); the summary's absence says so.

net sits below plan: it reads an allocation only through ``Addressed`` (plan's ``Allocation``
is one), so plan may use net (the boot ruleset) and net never imports plan.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from typing import Protocol

from ..model import Pillar
from .checked import compile_checked
from .compile import ClientRules, NetvmInterfaces, Ruleset, compile_netvm_ruleset
from .destinations import Resolver


class Addressed(Protocol):
    """What net needs of a domain's allocation (plan/allocations.py): its IPv4 address, if any."""

    @property
    def address(self) -> ipaddress.IPv4Address | None: ...


def netvm_clients(pillar: Pillar, allocations: Mapping[str, Addressed],
                  netvm: str) -> dict[str, ClientRules]:
    clients: dict[str, ClientRules] = {}
    for name in sorted(pillar.domains):
        domain = pillar.domains[name]
        allocation = allocations.get(name)
        if domain.netvm == netvm and allocation is not None and allocation.address is not None:
            clients[name] = (allocation.address, domain.firewall)
    return clients


def upstream_dns(pillar: Pillar, allocations: Mapping[str, Addressed], name: str) -> object | None:
    """Where ``name`` forwards its clients' DNS: its netvm (which forwards further), or the first
    DNS server of its uplink; None when it has neither."""
    domain = pillar.domains[name]
    if domain.netvm is not None:
        upstream = allocations.get(domain.netvm)
        return upstream.address if upstream is not None else None
    if domain.uplink is not None and domain.uplink.dns:
        return domain.uplink.dns[0]
    return None


def pillar_rulesets(
    pillar: Pillar, allocations: Mapping[str, Addressed], now: int, resolve: Resolver,
    check: Callable[[str], None] | None = None,
) -> dict[str, Ruleset]:
    """The ruleset of every domain that provides network, keyed by that domain's name. With
    ``check`` (e.g. ``nft -c``), a client whose chain is refused is closed (compile_checked)."""
    rulesets: dict[str, Ruleset] = {}
    for name in sorted(pillar.domains):
        domain = pillar.domains[name]
        if not domain.provides_network:
            continue
        own = allocations.get(name)
        dns = [own.address] if own is not None and own.address is not None else []
        options = {"dns": dns, "upstream_dns": upstream_dns(pillar, allocations, name),
                   "interfaces": NetvmInterfaces.by_nic_order(has_uplink=domain.has_way_out)}
        clients = netvm_clients(pillar, allocations, name)
        if check is None:
            rulesets[name] = compile_netvm_ruleset(name, clients, now, resolve, **options)
        else:
            rulesets[name] = compile_checked(name, clients, now, resolve, check=check, **options)
    return rulesets
