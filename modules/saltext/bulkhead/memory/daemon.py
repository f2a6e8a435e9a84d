"""bulkhead-memd: every ``interval`` seconds, rebalance the running bulkhead domains' balloons.

One iteration (:func:`balance_once`) lists our running domains, reads their balloon stats and
bounds, computes targets with the pure balancer and sets only those that changed. Nothing here
may stop the loop: a domain that disappears mid-iteration or a libvirt error is logged and the
rest carries on; the next iteration sees the world afresh.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import libvirt

from .admission import Admission, request_memory
from .balance import Decision, InsufficientMemory, balance
from .daemon_config import DaemonConfig
from .domain import DomainMemory
from .host import mem_available_kib
from .libvirt_source import read_domain, running_ours
from .rollout import rollout

log = logging.getLogger(__name__)

REQUEST_RETRY_S = 0.5
HANDOVER_POLL_S = 0.2
HANDOVER_SLACK_KIB = 1024
"""A balloon settling within a MiB of its target has given what was asked."""


@dataclass(frozen=True, slots=True)
class Change:
    """One balloon target set (or attempted): ``applied`` is False when libvirt refused it."""

    domain: str
    from_kib: int
    to_kib: int
    applied: bool = True


@dataclass
class DaemonState:
    """What the daemon remembers between iterations (the balancer itself is stateless)."""

    stats_enabled: set[str] = field(default_factory=set)
    """UUIDs whose balloon stats period was set; a restarted domain gets a new id, so UUID+id."""
    held: dict[str, tuple[int, float]] = field(default_factory=dict)
    """Domain about to start -> (KiB set aside, monotonic deadline)."""
    last: Decision | None = None
    capacity_kib: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)


def balance_once(
    conn: libvirt.virConnect, config: DaemonConfig, state: DaemonState | None = None
) -> list[Change]:
    """One balancing pass; returns the changes made. Safe to call from the socket thread too."""
    state = state if state is not None else DaemonState()
    with state.lock:
        domains, handles = _snapshot(conn, config, state)
        capacity = _capacity(config, domains, state)
        state.capacity_kib = capacity
        try:
            decision = balance(domains, capacity, config.balancer)
        except InsufficientMemory as error:
            log.error("cannot balance: %s", error)
            return []
        state.last = decision
        return _apply(decision.changes(domains), domains, handles, capacity)


def request(
    conn: libvirt.virConnect, config: DaemonConfig, state: DaemonState, name: str, need_kib: int
) -> Admission:
    """Free ``need_kib`` for ``name``, about to start; on success hold it until the domain runs.

    A refusal is retried for up to ``config.request_wait`` seconds: a domain that has just started
    holds its whole ``<memory>`` until its balloon driver loads, and a balloon being inflated frees
    its memory only gradually, so the answer can turn to yes within seconds. The lock is released
    between attempts so that balancing goes on meanwhile.
    """
    deadline = time.monotonic() + config.request_wait
    while True:
        admission, donors = _request_once(conn, config, state, name, need_kib)
        if admission.granted:
            return _handed_over(admission, donors, config, state, name)
        if time.monotonic() >= deadline:
            return admission
        time.sleep(min(REQUEST_RETRY_S, max(0.0, deadline - time.monotonic())))


def _request_once(
    conn: libvirt.virConnect, config: DaemonConfig, state: DaemonState, name: str, need_kib: int
) -> tuple[Admission, dict[str, tuple[libvirt.virDomain, int]]]:
    """One admission attempt; when granted, the donors whose targets were lowered."""
    with state.lock:
        domains, handles = _snapshot(conn, config, state)
        state.held.pop(name, None)  # a repeated request replaces the earlier one
        capacity = _capacity(config, domains, state)
        admission = request_memory(domains, capacity, need_kib, config.balancer)
        if not admission.granted:
            return admission, {}
        current = {d.name: d.current_kib for d in domains}
        wanted = {n: k for n, k in admission.targets.items() if k != current[n]}
        changes = _apply(wanted, domains, handles)
        if not all(c.applied for c in changes):
            return Admission(granted=False, need_kib=need_kib, short_kib=need_kib), {}
        state.held[name] = (need_kib, time.monotonic() + config.hold_seconds)
        for change in changes:
            log.info("%s: %d -> %d KiB (for %s, starting)", change.domain, change.from_kib,
                     change.to_kib, name)
        return admission, {c.domain: (handles[c.domain], c.to_kib) for c in changes}


def _handed_over(
    admission: Admission, donors: dict[str, tuple[libvirt.virDomain, int]], config: DaemonConfig,
    state: DaemonState, name: str,
) -> Admission:
    """Grant only once the donors' balloons have shrunk to their new targets: a lowered target is
    a request to the guest, and starting before it is met would overcommit the host meanwhile.
    Waits up to ``config.handover_wait`` without the lock; a donor that does not give its memory
    in time turns the grant into a refusal (and the memory held for ``name`` is released)."""
    deadline = time.monotonic() + config.handover_wait
    while True:
        missing = 0
        for donor, (dom, target) in donors.items():
            try:
                actual = dom.memoryStats().get("actual", target)
            except libvirt.libvirtError:  # gone: its memory is free
                continue
            if actual > target + HANDOVER_SLACK_KIB:
                missing += actual - target
                log.debug("%s: waiting for %s to shrink to %d KiB (at %d)", name, donor, target, actual)
        if missing == 0:
            return admission
        if time.monotonic() >= deadline:
            with state.lock:
                state.held.pop(name, None)
            log.warning("%s: donors still hold %d KiB after %gs; refusing", name, missing,
                        config.handover_wait)
            return Admission(granted=False, need_kib=admission.need_kib, short_kib=missing)
        time.sleep(HANDOVER_POLL_S)


def run(config: DaemonConfig, state: DaemonState, stop: threading.Event) -> None:
    """The loop: reconnects after a lost connection and never lets an error end it."""
    conn: libvirt.virConnect | None = None
    while not stop.is_set():
        try:
            if conn is None or not conn.isAlive():
                conn = libvirt.open(config.uri)
            for change in balance_once(conn, config, state):
                log.info("%s: %d -> %d KiB%s", change.domain, change.from_kib, change.to_kib,
                         "" if change.applied else " (failed)")
        except libvirt.libvirtError as error:
            log.error("libvirt: %s", error)
            conn = None
        except Exception:  # the daemon must keep balancing whatever one pass hit
            log.exception("balancing pass failed")
        stop.wait(config.interval)


def _snapshot(
    conn: libvirt.virConnect, config: DaemonConfig, state: DaemonState
) -> tuple[list[DomainMemory], dict[str, libvirt.virDomain]]:
    domains: list[DomainMemory] = []
    handles: dict[str, libvirt.virDomain] = {}
    for dom in running_ours(conn, config.domains):
        try:
            memory = read_domain(dom)
            if memory is not None:  # ours, with a balloon: stats appear from the next pass on
                _enable_stats(dom, config, state)
        except libvirt.libvirtError as error:
            log.info("skipping a domain this pass: %s", error)
            continue
        except ValueError as error:  # bad bounds or stats: leave it alone, say why
            log.warning("not balancing %s: %s", dom.name(), error)
            continue
        if memory is not None:
            domains.append(memory)
            handles[memory.name] = dom
    return domains, handles


def _enable_stats(dom: libvirt.virDomain, config: DaemonConfig, state: DaemonState) -> None:
    key = f"{dom.UUIDString()}/{dom.ID()}"
    if key not in state.stats_enabled:
        dom.setMemoryStatsPeriod(config.stats_period, libvirt.VIR_DOMAIN_AFFECT_LIVE)
        state.stats_enabled.add(key)


def _capacity(config: DaemonConfig, domains: Sequence[DomainMemory], state: DaemonState) -> int:
    """Memory the balanced domains may hold together, less memory held for starting domains."""
    if config.host_kib is not None:
        capacity = config.host_kib - config.reserve_kib
    else:
        # MemAvailable excludes what the guests hold now, so add it back to get their share.
        held_by_guests = sum(d.current_kib for d in domains)
        capacity = mem_available_kib(config.meminfo) + held_by_guests - config.reserve_kib
    now = time.monotonic()
    running = {d.name for d in domains}
    for name, (_, deadline) in list(state.held.items()):
        if name in running or deadline < now:
            del state.held[name]  # started (now balanced like the others) or never started
    return max(0, capacity - sum(kib for kib, _ in state.held.values()))


def _apply(
    wanted: dict[str, int], domains: Sequence[DomainMemory], handles: dict[str, libvirt.virDomain],
    capacity_kib: int | None = None,
) -> list[Change]:
    """Set the targets :func:`rollout` allows now (shrinks first, growth within free memory)."""
    current = {d.name: d.current_kib for d in domains}
    floor = {d.name: d.min_kib for d in domains}
    changes = []
    for name, target in rollout(wanted, current, floor, capacity_kib):
        try:
            handles[name].setMemoryFlags(target, libvirt.VIR_DOMAIN_AFFECT_LIVE)
            applied = True
        except libvirt.libvirtError as error:
            log.warning("%s: setting %d KiB failed: %s", name, target, error)
            applied = False
        changes.append(Change(name, current[name], target, applied))
    return changes
