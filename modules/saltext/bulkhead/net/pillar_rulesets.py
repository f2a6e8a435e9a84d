"""From a validated pillar and the plan's address allocations to one ruleset per netvm.

The clients of a netvm are the domains naming it as ``netvm``; each is given the netvm's address
as gateway and DNS server (plan/guest_config.py), so that address is the DNS special target here.
A client without an allocated address cannot be matched by source and is left out, which means
it gets no forwarding at all (fail closed); the summary's absence says so.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..model import Pillar
from ..plan.allocations import Allocation
from .compile import ClientRules, NetvmInterfaces, Ruleset, compile_netvm_ruleset
from .destinations import Resolver


def netvm_clients(pillar: Pillar, allocations: Mapping[str, Allocation], netvm: str) -> dict[str, ClientRules]:
    clients: dict[str, ClientRules] = {}
    for name in sorted(pillar.domains):
        domain = pillar.domains[name]
        allocation = allocations.get(name)
        if domain.netvm == netvm and allocation is not None and allocation.address is not None:
            clients[name] = (allocation.address, domain.firewall)
    return clients


def pillar_rulesets(
    pillar: Pillar, allocations: Mapping[str, Allocation], now: int, resolve: Resolver
) -> dict[str, Ruleset]:
    """The ruleset of every domain that provides network, keyed by that domain's name."""
    rulesets: dict[str, Ruleset] = {}
    for name in sorted(pillar.domains):
        domain = pillar.domains[name]
        if not domain.provides_network:
            continue
        own = allocations.get(name)
        dns = [own.address] if own is not None and own.address is not None else []
        rulesets[name] = compile_netvm_ruleset(
            name,
            netvm_clients(pillar, allocations, name),
            now,
            resolve,
            dns=dns,
            interfaces=NetvmInterfaces.by_nic_order(has_uplink=domain.has_network),
        )
    return rulesets
