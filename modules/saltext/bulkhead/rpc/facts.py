"""What the policy sees of the host: the bulkhead domains libvirt knows, with their pillar facts.

Types, tags and disposable templates come from the pillar; power state and UUID from libvirt
(its states read through virt/power.py's one map, named as the policy names them). Only domains
that are both in the pillar and defined in libvirt with bulkhead's metadata marked as the
pillar's workstation's (or made before ownership) exist for the policy; the host itself is the
admin domain ``dom0``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import libvirt

from ..model import Pillar
from ..plan.metadata import find_ours
from ..plan.ownership import owner_of
from ..policy import DomainInfo, System
from ..virt.inventory import domain_xml
from ..virt.power import state_name

CLASS_TYPES = {
    "template": "TemplateVM",
    "app": "AppVM",
    "disposable": "DispVM",
    "standalone": "StandaloneVM",
}
# virt/power.py's state names as the policy (Qubes' power_state) calls them; others: Transient.
POLICY_POWER = {"running": "Running", "paused": "Paused", "shutoff": "Halted",
                "shutting down": "Dying", "crashed": "Crashed", "suspended": "Suspended"}


def policy_power(state: int) -> str:
    """libvirt's domain state (``dom.state()[0]``) as the policy's power_state."""
    return POLICY_POWER.get(state_name(state), "Transient")


def libvirt_domains(conn: Any, workstation: str | None = None) -> dict[str, tuple[str, str]]:
    """Every bulkhead-owned domain: name -> (power state, UUID); with ``workstation``, only
    its own and those made before ownership: another workstation's domain does not exist for
    this broker, so no call reaches it, whatever its pillar names."""
    found = {}
    for dom in conn.listAllDomains(0):
        try:
            meta = find_ours(domain_xml(dom))
            if meta is None:
                continue
            if workstation is not None and owner_of(meta) not in (None, workstation):
                continue
            found[dom.name()] = (policy_power(dom.state(0)[0]), dom.UUIDString())
        except libvirt.libvirtError:
            continue  # undefined while we looked: it does not exist for this call
    return found


def system_from(pillar: Pillar, defined: Mapping[str, tuple[str, str]]) -> System:
    domains = {"dom0": DomainInfo("dom0", "AdminVM", power_state="Running")}
    for name, entry in pillar.domains.items():
        if name not in defined:
            continue
        power, uuid = defined[name]
        disposable = entry.class_.value == "disposable"
        chosen = entry.template if disposable else entry.default_dispvm
        template = chosen if chosen in defined else None
        domains[name] = DomainInfo(name, CLASS_TYPES[entry.class_.value], frozenset(entry.tags),
                                   template, entry.template_for_dispvms, power, uuid)
    return System(domains)
