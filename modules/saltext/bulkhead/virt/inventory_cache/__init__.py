"""One read of libvirt's definitions per Salt run, shared by every bulkhead state of that run.

Without it every state listed all domains and read each one's XML to plan the workstation: N
states times N domains. The cache holds definitions (domain, network and pool XML, the names of
volumes and the XML of those asked about, the connection's capabilities), which pools and
networks run and start at boot, and values derived from them (the recorded allocations, plans);
whether a domain runs is always asked live. It is kept current by bulkhead's own mutations:
``virt.tracked`` reports every mutating libvirt call, and the objects it touched are read again
on their next use (everything, for a call it cannot attribute), so nothing is ever decided from a
definition older than our last change to it. Changes other programs make during a run are seen
by the next run, as they were seen by the next state before.

What a run asks first is read ahead by the reader pool (``virt.readers``) while the run's first
state works: each kind of object listed once (``section``: domains, networks, pools; ``settled``:
those active and started at boot; ``volumes``: one pool's), and the definitions read
(``reads``) by the threads, which the states then collect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import libvirt

from ..connection import Connection
from ..readers import Batch
from .reads import INACTIVE, list_domains, read_domain, read_found
from .section import Section
from .settled import Settled
from .volumes import Volumes

__all__ = ["INACTIVE", "InventoryCache", "list_domains", "read_domain"]

# Whether the reader threads parse the domain and network definitions they read ahead. Off:
# measured on qemu:///system at N = 10 (2 cores, loaded), a no-op took 0.6-1.6 ms longer (and
# 0.2-0.8 ms more CPU) with it on, the runs alternating in one process; the states then parse
# each definition once, on the main thread, when first asked (Section.parsed).
PARSE_IN_READERS = False


class InventoryCache:
    """Definitions read from one libvirt URI during one run, and what was derived from them."""

    def __init__(self, shared: bool = True) -> None:
        """``shared``: used by many reconcile calls (a Salt run), so objects are listed at once."""
        self._shared = shared
        self.domains = Section(lambda conn: conn.listAllDomains(0), INACTIVE, read_domain, shared,
                               parse=PARSE_IN_READERS)
        self.networks = Section(
            lambda conn: conn.listAllNetworks(0), 0,
            lambda conn, name: read_found(lambda: conn.networkLookupByName(name), 0),
            shared, parse=PARSE_IN_READERS,
        )
        self.pools = Section(
            lambda conn: conn.listAllStoragePools(0), 0,
            lambda conn, name: read_found(lambda: conn.storagePoolLookupByName(name), 0),
            shared,
        )
        self._volumes: dict[str, Volumes] = {}
        self.settled_pools = Settled(lambda conn, flags: conn.listAllStoragePools(flags),
                                      libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE
                                      | libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART)
        self.settled_networks = Settled(lambda conn, flags: conn.listAllNetworks(flags),
                                         libvirt.VIR_CONNECT_LIST_NETWORKS_ACTIVE
                                         | libvirt.VIR_CONNECT_LIST_NETWORKS_AUTOSTART)
        self._derived: dict[str, tuple[Any, Any]] = {}

    @property
    def shared(self) -> bool:
        return self._shared

    def volumes(self, pool: str) -> Volumes:
        if pool not in self._volumes:
            self._volumes[pool] = Volumes(pool, self._shared, self.settled_pools)
        return self._volumes[pool]

    def read_ahead(self, conn: Connection, domains: Iterable[str], pool: str,
                   networks: Iterable[str], batch: Batch | None = None) -> None:
        """Start reading what a run asks first, to be collected when first asked: the domains'
        listing, which queues the definitions of ``domains`` next (the plan's records are read
        from them), then the other listings with the definitions of ``networks`` (those the run
        will read). One batch of the reader pool: this thread asks libvirt nothing and submits
        one task, however many reads. Given a ``batch``, they are added to it, after what it
        holds, and the caller starts it.

        Domains go first since a no-op neither plans nor parses in the main thread any more
        (plans and definition records are kept across runs): it takes each domain's record as
        it comes. While a plan was made after the reads, the other listings went first, so that
        no reader thread finished a call while the plan ran and waited for the interpreter.
        Measured at N = 10 in new processes (100 each, alternating): 11.49 against 11.70 ms."""
        if not self._shared:
            return
        started_here = batch is None
        batch = Batch() if batch is None else batch
        self.domains.prefetch(conn, domains, batch)
        self.pools.read_ahead(batch, conn, None)  # every pool's: a clash is looked for in all
        # The networks a run reads are settled on a no-op: read from that listing, not listed.
        settled = self.settled_networks.read_ahead(batch, conn)
        self.networks.read_ahead(batch, conn, networks, settled)
        self.volumes(pool).read_ahead(batch, conn)
        if started_here:
            batch.start()

    def derived(self, key: str, source: Any, compute: Callable[[], Any]) -> Any:
        """``compute()``, reused while ``source`` (what it was computed from) compares equal."""
        held = self._derived.get(key)
        if held is not None and held[0] == source:
            return held[1]
        value = compute()
        self._derived[key] = (source, value)
        return value

    def derived_or_kept(self, key: str, source: Any, compute: Callable[[], Any],
                        still_valid: Callable[[Any, Any], bool]) -> Any:
        """Like ``derived``, but a value whose source changed is kept when
        ``still_valid(old_source, value)`` says the change cannot alter it."""
        held = self._derived.get(key)
        if held is not None and (held[0] == source or still_valid(held[0], held[1])):
            self._derived[key] = (source, held[1])
            return held[1]
        value = compute()
        self._derived[key] = (source, value)
        return value

    def forget_domain(self, name: str) -> None:
        self.domains.forget(name)

    def forget_network(self, name: str) -> None:
        self.networks.forget(name)
        self.settled_networks.forget()

    def forget_pool(self, name: str) -> None:
        self.pools.forget(name)
        self.settled_pools.forget()
        self.volumes(name).forget()

    def forget_volume(self, name: str) -> None:
        for section in self._volumes.values():  # volume names are unique per pool; any pool will do
            section.forget(name)

    def forget_all(self) -> None:
        for section in (self.domains, self.networks, self.pools, *self._volumes.values(),
                        self.settled_pools, self.settled_networks):
            section.forget()
        self._derived.clear()
