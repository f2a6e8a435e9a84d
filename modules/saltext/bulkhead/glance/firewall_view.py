"""One domain's firewall: its rules from the pillar, the chain its netvm's ruleset compiles
for it, and whether the netvm enforces exactly that ruleset now.

The compiled ruleset is the one verify's oracle compares with (the pillar plus the broker's
live disposables, with the addresses libvirt recorded); what the netvm enforces is the hash its
agent reports. Equal hashes mean the netvm enforces exactly these rules for this domain (and
every other client's); anything else is said in words and is not "enforced".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import libvirt

from ..model import Pillar
from ..net import pillar_rulesets, system_resolver
from ..net.diff import describe_rule
from ..virt.context import current_plan
from ..virt.dispvm_registry import with_live_disposables
from ..virt.power import power_of

Ask = Callable[[str], "str | None"]  # netvm name -> the sha256 its agent says it enforces


@dataclass(frozen=True)
class FirewallView:
    domain: str
    netvm: str
    address: str | None  # the domain's address: its chain's match
    rules: list[str]  # as the pillar orders them; first match wins, then drop
    closed: str | None  # why the compiled chain drops everything despite the rules
    compiled_sha256: str | None  # the netvm's ruleset as the pillar compiles it now
    enforced_sha256: str | None  # what the netvm's agent reports
    enforced: bool  # the netvm enforces exactly the compiled ruleset
    status: str  # the verdict in words

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _status(netvm: str, power: str, compiled: str | None, asked: tuple[str | None, str | None]
            ) -> tuple[bool, str]:
    enforced, failure = asked
    if compiled is None:
        return False, f"{netvm} has no ruleset compiled for this domain (no address allocated yet)"
    if power == "undefined":
        return False, f"{netvm} is not defined (apply bulkhead): nothing enforces these rules"
    if power != "running":
        return False, (f"{netvm} is {power}: nothing is forwarded now; it boots into its last "
                       f"applied ruleset")
    if failure is not None:
        return False, f"{netvm}'s agent did not say what it enforces: {failure}"
    if enforced == compiled:
        return True, f"{netvm} enforces exactly these rules (ruleset {compiled[:12]})"
    return False, (f"{netvm} enforces {enforced[:12] if enforced else 'no ruleset of ours'}, the "
                   f"pillar compiles to {compiled[:12]} (apply bulkhead.firewall)")


def _power(conn: Any, name: str) -> str:
    try:
        return power_of(conn.lookupByName(name)).state
    except libvirt.libvirtError:
        return "undefined"


def firewall_view(conn: Any, pillar: Pillar, domain: str, ask: Ask) -> FirewallView:
    """``domain`` must be declared with a netvm."""
    netvm = pillar.domains[domain].netvm
    assert netvm is not None, "a domain without a netvm has no firewall"
    live = with_live_disposables(conn, pillar)
    allocations = {n: d.allocation for n, d in current_plan(conn, live).domains.items()}
    ruleset = pillar_rulesets(live, allocations, int(time.time()), system_resolver).get(netvm)
    client = next((c for c in ruleset.clients if c.name == domain), None) if ruleset else None
    power = _power(conn, netvm)
    asked: tuple[str | None, str | None] = (None, None)
    if power == "running" and client is not None:
        try:
            asked = (ask(netvm), None)
        except Exception as exc:  # noqa: BLE001 - a guest's answer may make the parser raise anything
            asked = (None, str(exc) or type(exc).__name__)
    compiled = ruleset.sha256 if client is not None else None
    ok, status = _status(netvm, power, compiled, asked)
    # An address is the domain's once libvirt records it; before, it is only the plan's guess.
    address = allocations[domain].address if _power(conn, domain) != "undefined" else None
    return FirewallView(domain, netvm, None if address is None else str(address),
                        [describe_rule(r) for r in pillar.domains[domain].firewall],
                        client.closed_reason if client else None, compiled, asked[0], ok, status)
