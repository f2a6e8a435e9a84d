"""Networks owned by domains that provide network: present (defined, active, autostart), absent."""

from __future__ import annotations

from typing import Any

import libvirt

from ..apply_lock import mutating
from ..model import Pillar
from ..plan import NetworkPlan, names
from ..plan.metadata import find_ours, ours_in, recorded_hash
from ..plan.ownership import foreign, owner_of
from ..reconcile import Outcome, Work, refused
from .change_lines import hash_line
from .connection import Connection
from .context import plan_or_reason
from .inventory import domains_using, lookup, network_settled, network_xml, parsed_network
from .once import Once
from .texts import Refusal
from .tracked import once_per_run, tracked
from .work import LibvirtWork
from .xmldiff import unified


def _with_uuid(xml: str, uuid: str) -> str:
    # Redefining by name needs the existing UUID, or libvirt refuses a second network of that name.
    return xml.replace("<network>", f"<network>\n  <uuid>{uuid}</uuid>", 1)


def network_owner(existing: Any, live_meta: Any, active: bool) -> str | None:
    """The workstation a network belongs to. A running network adopted since it started shows
    the mark only in its persistent definition (the live one is what libvirt reports)."""
    owner = owner_of(live_meta)
    if owner is None and active:
        try:
            owner = owner_of(find_ours(existing.XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE)))
        except libvirt.libvirtError as exc:  # libvirt's test driver has no inactive view
            if exc.get_error_code() != libvirt.VIR_ERR_INVALID_ARG:
                raise
    return owner


def network_work(conn: Connection, net: NetworkPlan, work: Work,
                 xml_diff: bool = False) -> Refusal | None:
    """Steps converging one network; returns why not when a foreign network is in the way.
    ``xml_diff``: the full XML diff of a redefinition in ``changes`` (else one line)."""
    current = network_xml(conn, net.name)
    # Active and autostarted, as the run's one listing says: the network itself is asked nothing
    # unless its definition changes or its mark must be read from the persistent definition.
    settled = current is not None and network_settled(conn, net.name)
    if settled and current is not None and _settled_as_planned(conn, net, current):
        return None
    existing = None if settled else lookup(conn.networkLookupByName, net.name)
    section = work.section("networks")
    if not settled and existing is None:
        section[net.name] = {"old": None, "new": f"isolated bridge {net.bridge}"}

        def define() -> None:
            new = conn.networkDefineXML(net.xml)
            new.create()
            new.setAutostart(1)

        work.step(f"define network {net.name}", define)
        return None

    live = Once(lambda: existing if existing is not None else conn.networkLookupByName(net.name))

    current = current or live().XMLDesc(0)
    meta = ours_in(parsed_network(conn, net.name, current))
    if meta is None:
        return Refusal(f"network {net.name!r} exists and is not managed by bulkhead (no bulkhead "
                       "metadata); remove or rename it, bulkhead never takes over foreign networks")
    active = settled or bool(live().isActive())
    owner = owner_of(meta) or network_owner(live(), meta, active)
    problem = foreign("network", net.name, owner, net.workstation)
    if problem:
        return Refusal(problem)
    changes: dict[str, Any] = {}
    section[net.name] = changes  # each entry recorded before the step that makes it (outcome.py)
    old_hash = recorded_hash(meta)
    if old_hash != net.config_hash or owner is None:
        if owner is None:  # made before ownership: adopted, the mark is all that changes
            changes["workstation"] = {"old": None, "new": net.workstation}
        else:
            changes["network"] = [hash_line(old_hash, net.config_hash)]
            if xml_diff:
                changes["xml"] = unified(current, net.xml, net.name)
            if active:
                changes["restart_required"] = True
        work.step(f"redefine network {net.name}",
                  lambda: conn.networkDefineXML(_with_uuid(net.xml, live().UUIDString())))
    if not active:
        changes["state"] = {"old": "inactive", "new": "active"}
        work.step(f"start network {net.name}", lambda: conn.networkLookupByName(net.name).create())
    if not settled and not live().autostart():
        changes["autostart"] = {"old": False, "new": True}
        work.step(
            f"autostart network {net.name}",
            lambda: conn.networkLookupByName(net.name).setAutostart(1),
        )
    if not changes:
        del section[net.name]
    return None


def _settled_as_planned(conn: Connection, net: NetworkPlan, current: str) -> bool:
    """Whether a network the run listed as active and autostarted, defined as ``current``, is
    this workstation's and as planned: then ``network_work`` has nothing to do. Decided from the
    definition alone, so once per run while it stays the same (every client domain asks)."""

    def decide() -> bool:
        meta = ours_in(parsed_network(conn, net.name, current))
        return (meta is not None and owner_of(meta) == net.workstation
                and recorded_hash(meta) == net.config_hash)

    return once_per_run(conn, f"settled as planned {net.name}", (current, net), decide)


@mutating
def network_present(conn: Connection, pillar: Pillar, name: str, test: bool = False) -> Outcome:
    """``name`` is the domain that provides the network (its network is ``bulkhead-<name>``)."""
    conn = tracked(conn)
    if name not in pillar.domains or not pillar.domains[name].provides_network:
        return refused(f"bulkhead:domains:{name} does not provide network; no network to manage")
    plan = plan_or_reason(conn, pillar)
    if isinstance(plan, str):
        return refused(plan)
    work = LibvirtWork()
    problem = network_work(conn, plan.network_of(name), work, pillar.formula.xml_diff)
    return refused(problem) if problem else work.finish(test, f"Network {names.network_name(name)}")


def network_absent_work(conn: Connection, pillar: Pillar, net_name: str, work: Work,
                        leaving: frozenset[str] = frozenset()) -> str | None:
    """Steps stopping and undefining ``net_name``; or why not. ``leaving``: domains removed by
    earlier steps of ``work`` (they may still be attached to it)."""
    existing = lookup(conn.networkLookupByName, net_name)
    if existing is None:
        return None
    meta = find_ours(network_xml(conn, net_name) or existing.XMLDesc(0))
    if meta is None:
        return f"network {net_name!r} is not managed by bulkhead; leaving it alone"
    problem = foreign("network", net_name, network_owner(existing, meta, existing.isActive()),
                      pillar.workstation)
    if problem:
        return problem
    attached = f"devices/interface/source[@network='{net_name}']"
    users = [user for user in domains_using(conn, lambda doc: doc.find(attached) is not None)
             if user not in leaving]
    if users:
        return f"network {net_name} is still used by {', '.join(users)}; remove them first"
    work.section("networks")[net_name] = {"old": "present", "new": None}
    if existing.isActive():
        work.step(f"stop network {net_name}", lambda: existing.destroy())
    work.step(f"undefine network {net_name}", lambda: existing.undefine())
    return None


@mutating
def network_absent(conn: Connection, pillar: Pillar, name: str, test: bool = False) -> Outcome:
    """``name`` is the domain that provided the network (its network is ``bulkhead-<name>``)."""
    conn = tracked(conn)
    net_name = names.network_name(name)
    work = LibvirtWork()
    problem = network_absent_work(conn, pillar, net_name, work)
    return refused(problem) if problem else work.finish(test, f"Network {net_name}")
