"""Plan the pillar against what this connection has recorded and can run."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

from ..model import Pillar
from ..plan import (
    HostTopology,
    Plan,
    PlanError,
    RecordedDomain,
    plan_still_holds,
    plan_workstation,
)
from ..plan.allocations import wanted_networks
from .connection import Connection
from .cpu_topology import host_topology
from .errors import BulkheadVirtError
from .hypervisor import probe_kernel
from .hypervisor import resolve as resolve_type
from .inventory_cache import InventoryCache
from .own_records import recorded_for_plan
from .plan_memo import plan_key, remembered_plan
from .readers import Batch
from .texts import Refusal
from .tracked import cache_of, once_per_run


def _resolver(conn: Connection) -> Callable[..., str]:
    # The test driver has no domain capabilities: asking would be one failed call more. Its URI
    # is the connection's (asked locally), whatever the pillar names (tests connect their own).
    return functools.partial(resolve_type, domain_caps=not conn.getURI().startswith("test:"))


def current_plan(conn: Connection, pillar: Pillar, *, check_type: bool = True) -> Plan:
    """The plan; on a tracked connection computed once per run while the pillar, the resolved
    domain type and the recorded allocations stay the same (plans are pure: same inputs, same plan).
    The host's CPU topology is read once, when the pillar has CPU partitions.

    Not ``check_type``: an explicit domain type is planned as asked, without asking libvirt
    whether it offers it (a no-op defines nothing); who defines checks it first
    (``type_refusal``). ``auto`` is always resolved: the plan needs what it resolves to; not
    ``check_type``, TCG is taken as offered where libvirt offers KVM (``resolve``)."""
    requested = pillar.host.domain_type.value
    # Only auto boots a kernel to test KVM; finding it sorts every domain (in every state).
    kernel = probe_kernel(pillar) if requested == "auto" else None
    resolve = functools.partial(_resolver(conn), kernel=kernel, confirm_fallback=check_type)
    checked = check_type or requested == "auto"
    cache = cache_of(conn)
    if cache is None:
        domain_type = resolve(conn, requested) if checked else requested
        return _plan(pillar, recorded_for_plan(conn, pillar), domain_type,
                     _topology(conn, pillar, None))
    # Once per run: the type is resolved in the reader pool while the listings and the pillar's
    # definitions are on their way (a tracked connection carries concurrent calls), last of one
    # batch with them: starting it costs this thread one submission (in a new process, a thread
    # started), not two. This thread takes the domains' records as they come meanwhile.
    batch = Batch()
    cache.derived(f"read ahead {requested} {kernel}", None,
                  lambda: _read_ahead(conn, pillar, cache, batch))
    typing = cache.derived(f"domain-type {requested} {kernel} {check_type}", None,
                           lambda: batch.add(resolve, conn, requested)) if checked else None
    batch.start()  # what this call added, if anything: an empty batch submits nothing
    recorded = recorded_for_plan(conn, pillar)
    domain_type = requested if typing is None else typing.result()
    topology = _topology(conn, pillar, cache)

    def still_valid(
        old: tuple[int, str, Mapping[str, RecordedDomain]], held: tuple[Pillar, Plan]
    ) -> bool:
        # Defining a domain of the plan records what the plan allocated it: planning again would
        # give the same plan (a cold apply would otherwise plan once per domain, O(N^2)).
        return old[:2] == (id(pillar), domain_type) and plan_still_holds(held[1], old[2], recorded)

    # The pillar object is held with the plan, so its id cannot be reused by another one meanwhile.
    return cache.derived_or_kept(
        "plan", (id(pillar), domain_type, recorded),
        lambda: (pillar, _plan(pillar, recorded, domain_type, topology)), still_valid)[1]


def _plan(pillar: Pillar, recorded: Mapping[str, RecordedDomain], domain_type: str,
          topology: HostTopology | None) -> Plan:
    """The plan, as kept by an earlier run when one made it from the same inputs."""
    return remembered_plan(
        pillar.formula.paths.plan_cache, pillar.workstation,
        functools.partial(plan_key, pillar, recorded, domain_type, topology),
        lambda: plan_workstation(pillar, recorded, domain_type=domain_type, topology=topology))


def _read_ahead(conn: Connection, pillar: Pillar, cache: InventoryCache, batch: Batch) -> None:
    # In the order the plan's records are read (own_records): each is ready as it is asked for.
    cache.read_ahead(conn, sorted(pillar.domains), pillar.host.pool,
                     {net for name in pillar.domains for net, _ in wanted_networks(pillar, name)},
                     batch)


def _topology(conn: Connection, pillar: Pillar,
              cache: InventoryCache | None) -> HostTopology | None:
    if not pillar.host.cpu_partitions:
        return None
    if cache is None:
        return host_topology(conn)
    return cache.derived("cpu-topology", None, lambda: host_topology(conn))


def plan_or_reason(conn: Connection, pillar: Pillar) -> Plan | Refusal:
    """The plan, or the admin-readable reason there is none (a plan or hypervisor error). An
    explicit domain type is not checked here: a state checks it before it defines anything
    (``type_refusal``)."""
    try:
        return current_plan(conn, pillar, check_type=False)
    except (PlanError, BulkheadVirtError) as exc:
        return Refusal(str(exc))


def type_refusal(conn: Connection, pillar: Pillar) -> Refusal | None:
    """Why domains of the pillar's domain type cannot be defined here (libvirt does not offer an
    explicit type, or the type ``auto`` chose: the error names the pillar path and what is
    offered); None when they can. On a tracked connection asked once per run."""
    requested = pillar.host.domain_type.value
    chosen = requested
    if requested == "auto":  # chosen without asking whether TCG is offered (current_plan)
        plan = plan_or_reason(conn, pillar)
        if isinstance(plan, str):  # a Refusal
            return plan
        chosen = plan.domain_type

    def check() -> Refusal | None:
        try:
            _resolver(conn)(conn, chosen)
        except BulkheadVirtError as exc:
            why = "" if chosen == requested else (
                f"bulkhead:host:domain_type is 'auto' and KVM does not run guests here, so it "
                f"chose {chosen!r}; ")
            return Refusal(why + str(exc))
        return None

    return once_per_run(conn, f"domain-type offered {chosen}", None, check)
