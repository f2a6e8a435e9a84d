"""Networks owned by domains that provide network: present (defined, active, autostart) or absent."""

from __future__ import annotations

from typing import Any

from ..apply_lock import mutating
from ..model import Pillar
from ..plan import NetworkPlan, names
from ..plan.metadata import find_ours, recorded_hash
from .connection import Connection
from .context import plan_or_reason
from .inventory import domains_using, lookup, network_xml
from .outcome import Outcome, Work, refused
from .texts import Refusal
from .tracked import tracked
from .xmldiff import unified


def _with_uuid(xml: str, uuid: str) -> str:
    # Redefining by name needs the existing UUID, or libvirt refuses a second network of that name.
    return xml.replace("<network>", f"<network>\n  <uuid>{uuid}</uuid>", 1)


def network_work(conn: Connection, net: NetworkPlan, work: Work) -> Refusal | None:
    """Steps converging one network; returns why not when a foreign network is in the way."""
    existing = lookup(conn.networkLookupByName, net.name)
    section = work.section("networks")
    if existing is None:
        section[net.name] = {"old": None, "new": f"isolated bridge {net.bridge}"}

        def define() -> None:
            new = conn.networkDefineXML(net.xml)
            new.create()
            new.setAutostart(1)

        work.step(f"define network {net.name}", define)
        return None
    current = network_xml(conn, net.name) or existing.XMLDesc(0)
    meta = find_ours(current)
    if meta is None:
        return Refusal(f"network {net.name!r} exists and is not managed by bulkhead (no bulkhead "
                       "metadata); remove or rename it, bulkhead never takes over foreign networks")
    changes: dict[str, Any] = {}
    section[net.name] = changes  # each entry recorded before the step that makes it (outcome.py)
    active = existing.isActive()
    if recorded_hash(meta) != net.config_hash:
        changes["xml"] = unified(current, net.xml, net.name)
        if active:
            changes["restart_required"] = True
        work.step(f"redefine network {net.name}",
                  lambda: conn.networkDefineXML(_with_uuid(net.xml, existing.UUIDString())))
    if not active:
        changes["state"] = {"old": "inactive", "new": "active"}
        work.step(f"start network {net.name}", lambda: conn.networkLookupByName(net.name).create())
    if not existing.autostart():
        changes["autostart"] = {"old": False, "new": True}
        work.step(f"autostart network {net.name}", lambda: conn.networkLookupByName(net.name).setAutostart(1))
    if not changes:
        del section[net.name]
    return None


@mutating
def network_present(conn: Connection, pillar: Pillar, name: str, test: bool = False) -> Outcome:
    """``name`` is the domain that provides the network (its network is ``bulkhead-<name>``)."""
    conn = tracked(conn)
    if name not in pillar.domains or not pillar.domains[name].provides_network:
        return refused(f"bulkhead:domains:{name} does not provide network; no network to manage")
    plan = plan_or_reason(conn, pillar)
    if isinstance(plan, str):
        return refused(plan)
    work = Work()
    problem = network_work(conn, plan.network_of(name), work)
    return refused(problem) if problem else work.finish(test, f"Network {names.network_name(name)}")


@mutating
def network_absent(conn: Connection, pillar: Pillar, name: str, test: bool = False) -> Outcome:
    del pillar  # the network's name derives from the owner alone
    conn = tracked(conn)
    net_name = names.network_name(name)
    existing = lookup(conn.networkLookupByName, net_name)
    work = Work()
    if existing is None:
        return work.finish(test, f"Network {net_name}")
    if find_ours(network_xml(conn, net_name) or existing.XMLDesc(0)) is None:
        return refused(f"network {net_name!r} is not managed by bulkhead; leaving it alone")
    users = domains_using(conn, lambda doc: doc.find(f"devices/interface/source[@network='{net_name}']") is not None)
    if users:
        return refused(f"network {net_name} is still used by {', '.join(users)}; remove them first")
    work.section("networks")[net_name] = {"old": "present", "new": None}
    if existing.isActive():
        work.step(f"stop network {net_name}", lambda: existing.destroy())
    work.step(f"undefine network {net_name}", lambda: existing.undefine())
    return work.finish(test, f"Network {net_name}")
