"""The boot plan: pillar model -> the domains to start at host boot, netvms before their clients.

Pure and deterministic. A domain starts at boot when its ``autostart`` says so (default: the
netvms); like Qubes, starting a domain starts its netvm chain first, so every netvm an autostart
domain needs is pulled in even if its own ``autostart`` is false. Nothing starts with
``formula:manage_power: false`` (bulkhead then never powers domains on or off). The model forbids
netvm cycles, so every chain ends.
"""

from __future__ import annotations

from ..model import Pillar


def netvm_chain(pillar: Pillar, name: str) -> list[str]:
    """``name``'s netvm, that one's netvm, ... up to a domain without one (nearest first)."""
    chain: list[str] = []
    netvm = pillar.domains[name].netvm
    while netvm is not None:
        chain.append(netvm)
        netvm = pillar.domains[netvm].netvm
    return chain


def boot_order(pillar: Pillar) -> list[str]:
    """The domains to start, each after every netvm of its chain; ties broken by name."""
    if not pillar.formula.manage_power:
        return []
    wanted = {name for name, domain in pillar.domains.items() if domain.starts_at_boot}
    for name in list(wanted):
        wanted.update(netvm_chain(pillar, name))
    # A domain's depth is its chain's length: each netvm has a smaller depth than its clients.
    return sorted(wanted, key=lambda name: (len(netvm_chain(pillar, name)), name))
