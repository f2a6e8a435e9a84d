"""Prune: remove this workstation's domains and networks that the pillar no longer declares.

Only objects marked as this workstation's own are candidates (``plan.ownership``): another
workstation's are never seen, and an object made before ownership is not known to be ours
until a run declaring it adopts it. Domains go first, those based on others before their
templates; then the networks no domain of the pillar provides. Private volumes are kept unless
their domain is in ``purge``. Like every reconcile function it first lists the steps, so test
mode shows exactly what would go and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..apply_lock import mutating
from ..model import Pillar
from ..plan import names
from ..plan.metadata import find_ours
from ..plan.ownership import is_mine, owner_of
from ..reconcile import Outcome, Work, refused
from .connection import Connection
from .inventory import defined_domains, lookup, network_xmls
from .lifecycle import absent_work
from .network import network_absent_work, network_owner
from .tracked import tracked
from .work import LibvirtWork


def _removal_order(templates: dict[str, str | None]) -> list[str]:
    """Domains to remove (name -> template), each after every one based on it."""

    def depth(name: str) -> int:
        above = 0
        while templates.get(name) in templates and above <= len(templates):  # bounded: no cycle
            name, above = templates[name] or "", above + 1
        return above

    return sorted(templates, key=lambda name: (-depth(name), name))


def _own_networks(conn: Connection, workstation: str) -> list[str]:
    """Networks marked as this workstation's."""
    mine = []
    for name, xml in sorted(network_xmls(conn).items()):
        meta = find_ours(xml)
        if meta is not None and owner_of(meta) is None:  # adopted while running? (network.py)
            net = lookup(conn.networkLookupByName, name)
            if net is None or network_owner(net, meta, net.isActive()) != workstation:
                continue
        elif not is_mine(meta, workstation):
            continue
        mine.append(name)
    return mine


def prune_work(conn: Connection, pillar: Pillar, work: Work, purge: Iterable[str]) -> str | None:
    """Steps removing what this workstation owns and the pillar no longer declares."""
    doomed: dict[str, str | None] = {}
    for name, xml in defined_domains(conn):
        meta = find_ours(xml)
        if name not in pillar.domains and is_mine(meta, pillar.workstation):
            doomed[name] = meta.get("template")
    leaving, purged = frozenset(doomed), set(purge)
    domains = work.section("domains")
    for name in _removal_order(doomed):
        problem = absent_work(conn, pillar, name, work, purge=name in purged,
                              record=(domains, name), leaving=leaving)
        if problem:
            return problem
    kept = {names.network_name(n) for n, d in pillar.domains.items() if d.provides_network}
    for net_name in _own_networks(conn, pillar.workstation):
        if net_name not in kept:
            problem = network_absent_work(conn, pillar, net_name, work, leaving)
            if problem:
                return problem
    return None


@mutating
def workstation_pruned(conn: Connection, pillar: Pillar, test: bool = False,
                       purge: Iterable[str] | None = None) -> Outcome:
    """Remove what this workstation owns beyond its pillar; ``purge`` (default
    ``bulkhead:purge``): removed domains whose private volume goes too."""
    conn = tracked(conn)
    work = LibvirtWork()
    problem = prune_work(conn, pillar, work, pillar.purge if purge is None else tuple(purge))
    if problem:
        return refused(problem)
    return work.finish(test, f"Workstation {pillar.workstation}")
