"""What bulkhead-memd remembers between passes, and the reads and writes every pass shares.

A pass reads a snapshot of our running domains (bounds from the host's XML, balloon figures from
the guest, clamped), computes, and sets targets through :func:`apply_targets`, which also tells
:class:`Cooperation` what each guest was asked to give.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import libvirt

from ..memory.balance import Decision
from ..memory.cooperation import Cooperation
from ..memory.domain import DomainMemory
from ..memory.rollout import rollout
from .daemon_config import DaemonConfig
from .host import mem_available_kib
from .libvirt_source import read_domain, running_ours

log = logging.getLogger(__name__)


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
    """Runs (UUID/id: a restarted domain gets a new id) whose balloon stats period was set."""
    held: dict[str, tuple[int, float]] = field(default_factory=dict)
    """Domain about to start -> (KiB set aside, monotonic deadline)."""
    cooperation: Cooperation = field(default_factory=Cooperation)
    """Shrinks asked of each run, and which guests do not honour theirs."""
    last: Decision | None = None
    capacity_kib: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)


def run_key(dom: libvirt.virDomain) -> str:
    return f"{dom.UUIDString()}/{dom.ID()}"


def snapshot(
    conn: libvirt.virConnect, config: DaemonConfig, state: DaemonState,
    excluded: frozenset[str] = frozenset(),
) -> tuple[list[DomainMemory], dict[str, libvirt.virDomain]]:
    """Our running domains as the balancer sees them. A domain marked non-cooperating (or one in
    ``excluded``, runs a caller stopped trusting) is pinned at its balloon size: no donor."""
    domains: list[DomainMemory] = []
    handles: dict[str, libvirt.virDomain] = {}
    runs: set[str] = set()
    now = time.monotonic()
    for dom in running_ours(conn, config.domains):
        try:
            run = run_key(dom)
            runs.add(run)
            memory = read_domain(dom)
            if memory is not None:  # ours, with a balloon: stats appear from the next pass on
                _enable_stats(dom, run, config, state)
        except libvirt.libvirtError as error:
            log.info("skipping a domain this pass: %s", error)
            continue
        except ValueError as error:  # bad bounds: leave it alone, say why
            log.warning("not balancing %s: %s", dom.name(), error)
            continue
        if memory is None:
            continue
        was_stalled = state.cooperation.stalled(run)
        stalled = state.cooperation.observe(run, memory.current_kib, now, config.stall_seconds)
        if stalled != was_stalled:  # once per change, not every pass: a guest must not flood logs
            log.warning("%s %s (balloon at %d KiB)", memory.name, "does not give the memory asked"
                        "; pinned, no donor" if stalled else "gives again", memory.current_kib)
        if (stalled or run in excluded) and memory.managed:
            memory = dataclasses.replace(memory, used_kib=None)
        domains.append(memory)
        handles[memory.name] = dom
    state.cooperation.keep_only(runs)
    return domains, handles


def _enable_stats(dom: libvirt.virDomain, run: str, config: DaemonConfig,
                  state: DaemonState) -> None:
    if run not in state.stats_enabled:
        dom.setMemoryStatsPeriod(config.stats_period, libvirt.VIR_DOMAIN_AFFECT_LIVE)
        state.stats_enabled.add(run)


def capacity(config: DaemonConfig, domains: Sequence[DomainMemory], state: DaemonState) -> int:
    """Memory the balanced domains may hold together, less memory held for starting domains."""
    if config.host_kib is not None:
        total = config.host_kib - config.reserve_kib
    else:
        # MemAvailable excludes what the guests hold now, so add it back to get their share.
        held_by_guests = sum(d.current_kib for d in domains)
        total = mem_available_kib(config.meminfo) + held_by_guests - config.reserve_kib
    now = time.monotonic()
    running = {d.name for d in domains}
    for name, (_, deadline) in list(state.held.items()):
        if name in running or deadline < now:
            del state.held[name]  # started (now balanced like the others) or never started
    return max(0, total - sum(kib for kib, _ in state.held.values()))


def apply_targets(
    wanted: dict[str, int], domains: Sequence[DomainMemory], handles: dict[str, libvirt.virDomain],
    state: DaemonState, capacity_kib: int | None = None,
) -> list[Change]:
    """Set the targets :func:`rollout` allows now (shrinks first, growth within free memory)."""
    current = {d.name: d.current_kib for d in domains}
    floor = {d.name: d.min_kib for d in domains}
    changes = []
    now = time.monotonic()
    for name, target in rollout(wanted, current, floor, capacity_kib):
        try:
            handles[name].setMemoryFlags(target, libvirt.VIR_DOMAIN_AFFECT_LIVE)
            state.cooperation.asked(run_key(handles[name]), current[name], target, now)
            applied = True
        except libvirt.libvirtError as error:
            log.warning("%s: setting %d KiB failed: %s", name, target, error)
            applied = False
        changes.append(Change(name, current[name], target, applied))
    return changes
