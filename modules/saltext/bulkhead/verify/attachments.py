"""Which host port belongs to which bulkhead NIC, and what that port must look like.

A running domain's live XML names the tap device of each NIC (``<target dev='vnetN'/>``); its MAC
ties it back to the plan's NIC, which says the role: ``uplink`` (a client of a netvm: isolated port,
clean-traffic filter) or ``serving`` (the netvm's own port on its network: not isolated).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from ..plan import Plan
from .observe import domain_nics

UNPLANNED = "unplanned"


@dataclass(frozen=True)
class Attachment:
    domain: str
    role: str  # "uplink", "serving", or UNPLANNED (a NIC the plan does not have)
    port: str | None  # host tap device; None when libvirt reports none
    network: str | None
    bridge: str | None  # the bridge the plan puts this NIC on
    address: ipaddress.IPv4Address | None


def attachments(plan: Plan, live_xml: Mapping[str, str]) -> list[Attachment]:
    """Every NIC of the running plan domains (``live_xml``: name -> live XML of active domains)."""
    out = []
    for name in sorted(live_xml):
        dplan = plan.domains.get(name)
        if dplan is None:
            continue
        by_mac = {nic.mac.lower(): nic for nic in dplan.allocation.nics}
        for nic in domain_nics(live_xml[name]):
            planned = by_mac.get(nic.mac or "")
            if planned is None:
                out.append(Attachment(name, UNPLANNED, nic.target, nic.network, None, None))
                continue
            net = plan.networks.get(planned.network)
            out.append(
                Attachment(
                    name,
                    planned.role,
                    nic.target,
                    nic.network,
                    net.bridge if net is not None else None,
                    dplan.allocation.address,
                )
            )
    return out
