"""The recorded allocations a plan needs, read from the pillar's own domains when they suffice.

A plan keeps every allocation recorded for a pillar domain and hands out new ones (addresses,
MACs) avoiding every recorded value of the workstation, including those of its domains no longer
in the pillar (plan/allocations.py). So when every pillar domain is defined as this
workstation's with all it needs recorded (its UUID, a MAC for each NIC, an address of the pool
if it has a network) and none pins an address (a pin is checked against every record), no other
domain's record can change the plan: only the pillar's domains are read. On a host shared with
other workstations this spares reading every other domain's definition on every run. Anything
missing (a new domain, a new NIC, a pin) reads them all, as ``recorded_domains`` does.
"""

from __future__ import annotations

from ..model import Pillar
from ..plan.allocations import wanted_networks
from ..plan.recorded import RecordedDomain
from .connection import Connection
from .inventory import recorded_domains
from .record_memo import definition_record
from .tracked import cache_of


def _complete(pillar: Pillar, name: str, rec: RecordedDomain | None) -> bool:
    domain = pillar.domains[name]
    if rec is None or not rec.uuid or domain.ip is not None:
        return False
    if any(rec.mac_for(network) is None for network, _ in wanted_networks(pillar, name)):
        return False
    needs_address = domain.has_network or domain.provides_network
    return not needs_address or (rec.address is not None
                                 and rec.address in pillar.host.address_pool)


def _own_records(conn: Connection, pillar: Pillar) -> dict[str, RecordedDomain] | None:
    """The pillar domains' records when they are all complete; None when any is not."""
    cache = cache_of(conn)
    assert cache is not None
    found = {}
    names = sorted(pillar.domains)
    cache.domains.prefetch(conn, names)  # read ahead already, unless the cache was forgotten
    for name in names:
        xml = cache.domains.get(conn, name)
        if xml is None:
            return None
        record = definition_record(conn, pillar, name, xml)
        if record.recorded is None or record.owner not in (None, pillar.workstation):
            return None
        if not _complete(pillar, name, record.recorded):
            return None
        found[name] = record.recorded
    return found


def recorded_for_plan(conn: Connection, pillar: Pillar) -> dict[str, RecordedDomain]:
    """What the plan is made from: the pillar's own domains' records when they suffice (above),
    else every record of the workstation (``recorded_domains``)."""
    cache = cache_of(conn)
    if cache is None or not cache.shared:  # one reconcile call: one listing reads them all
        return recorded_domains(conn, pillar.workstation)
    # The pillar is held with what was read from it, so its id cannot be reused meanwhile.
    own = cache.derived("own records", (cache.domains.current_version(conn), id(pillar)),
                        lambda: (pillar, _own_records(conn, pillar)))[1]
    return recorded_domains(conn, pillar.workstation) if own is None else own
