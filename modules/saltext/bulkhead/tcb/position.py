"""A domain's network position from the pillar: its netvm chain out, and what its firewall lets
through (compiled by the host, enforced in the netvm)."""

from __future__ import annotations

from ..model import Domain, Pillar


def netvm_chain(pillar: Pillar, name: str) -> tuple[str, ...]:
    """The domain, each netvm its traffic crosses, and ``uplink:NETWORK`` where it leaves."""
    chain, current = [name], pillar.domains.get(name)
    while current is not None and current.netvm is not None and current.netvm not in chain:
        chain.append(current.netvm)
        current = pillar.domains.get(current.netvm)
    if current is not None and current.uplink is not None:
        chain.append(f"uplink:{current.uplink.network}")
    return tuple(chain)


def firewall_summary(domain: Domain) -> str:
    if domain.uplink is not None:
        return (f"own uplink on {domain.uplink.network}: no netvm firewall, clean-traffic only")
    if not domain.has_network:
        return "no network interface"
    rules = domain.firewall
    if not rules:
        return "no rules: nothing forwarded (drop)"
    accept_all = next((i for i, r in enumerate(rules) if r.action == "accept" and r.dsthost is None
                       and r.proto is None and r.specialtarget is None), None)
    if accept_all is not None:
        return f"{len(rules)} rule(s); rule {accept_all + 1} accepts everything"
    accepts = sum(r.action == "accept" for r in rules)
    return f"{len(rules)} rule(s), {accepts} accept, then drop"
