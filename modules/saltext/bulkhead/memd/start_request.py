"""A domain about to start asks memd for memory: plan, shrink the donors, wait for their balloons.

Only cooperating donors are planned with (a domain marked non-cooperating is pinned, its memory
counted as used). A donor that stops giving during the wait is marked too and the request is
planned again at once without it, so one guest can delay a start by about ``stall_seconds``, not
block it; nothing waits past ``request_wait + handover_wait`` whatever the guests do.
"""

from __future__ import annotations

import logging
import time

import libvirt

from ..exclusive.holding import wait_while_held
from ..memory.admission import Admission, request_memory
from ..memory.cooperation import SLACK_KIB
from .daemon_config import DaemonConfig
from .daemon_state import DaemonState, apply_targets, capacity, run_key, snapshot
from .libvirt_source import read_domain

log = logging.getLogger(__name__)

REQUEST_RETRY_S = 0.5
HANDOVER_POLL_S = 0.2

Donors = dict[str, tuple[libvirt.virDomain, int, str]]
"""Donor name -> (handle, target set, run key)."""


def request(
    conn: libvirt.virConnect, config: DaemonConfig, state: DaemonState, name: str, need_kib: int
) -> Admission:
    """Free ``need_kib`` for ``name``, about to start; on success hold it until the domain runs.

    A refusal is retried for up to ``config.request_wait`` seconds: a domain that has just started
    holds its whole ``<memory>`` until its balloon driver loads, and a balloon being inflated frees
    its memory only gradually, so the answer can turn to yes within seconds. The lock is released
    between attempts so that balancing goes on meanwhile. While exclusive mode holds, the request
    waits for it first (within the same ``request_wait``).
    """
    deadline = time.monotonic() + config.request_wait
    who = wait_while_held(config.exclusive_record, config.request_wait)
    if who is not None:  # the other domains are paused for a run that needs them to be
        log.warning("%s: start refused, %s", name, who)
        return Admission(granted=False, need_kib=need_kib, short_kib=need_kib)
    last_call = deadline + config.handover_wait
    gave_nothing: set[str] = set()  # runs that let this request down: no donors to it again
    while True:
        admission, donors = _request_once(conn, config, state, name, need_kib,
                                          frozenset(gave_nothing))
        if admission.granted:
            admission, laggards = _handed_over(admission, donors, config, state, name, last_call)
            if admission.granted or not laggards or time.monotonic() >= last_call:
                return admission
            gave_nothing |= laggards
            continue  # plan again at once, without the donors that did not give
        if time.monotonic() >= deadline:
            return admission
        time.sleep(min(REQUEST_RETRY_S, max(0.0, deadline - time.monotonic())))


def _request_once(
    conn: libvirt.virConnect, config: DaemonConfig, state: DaemonState, name: str, need_kib: int,
    excluded: frozenset[str],
) -> tuple[Admission, Donors]:
    """One admission attempt; when granted, the donors whose targets were lowered."""
    with state.lock:
        domains, handles = snapshot(conn, config, state, excluded)
        state.held.pop(name, None)  # a repeated request replaces the earlier one
        total = capacity(config, domains, state)
        admission = request_memory(domains, total, need_kib, config.balancer)
        if not admission.granted:
            return admission, {}
        current = {d.name: d.current_kib for d in domains}
        wanted = {n: k for n, k in admission.targets.items() if k != current[n]}
        changes = apply_targets(wanted, domains, handles, state)
        if not all(c.applied for c in changes):
            return Admission(granted=False, need_kib=need_kib, short_kib=need_kib), {}
        state.held[name] = (need_kib, time.monotonic() + config.hold_seconds)
        for change in changes:
            log.info("%s: %d -> %d KiB (for %s, starting)", change.domain, change.from_kib,
                     change.to_kib, name)
        return admission, {c.domain: (handles[c.domain], c.to_kib, run_key(handles[c.domain]))
                           for c in changes}


def _handed_over(
    admission: Admission, donors: Donors, config: DaemonConfig, state: DaemonState, name: str,
    last_call: float,
) -> tuple[Admission, set[str]]:
    """Grant only once the donors' balloons have shrunk to their new targets: a lowered target is
    a request to the guest, and starting before it is met would overcommit the host meanwhile.

    Waits without the lock. A donor that makes no progress for ``stall_seconds`` is marked
    non-cooperating and ends the wait at once; at ``handover_wait`` every donor still short is
    marked. Either way the grant becomes a refusal (the memory held for ``name`` is released) and
    the runs to plan without are returned."""
    started = time.monotonic()
    deadline = min(started + config.handover_wait, last_call)
    while True:
        now = time.monotonic()
        missing, short, stalled = 0, set(), set()
        for donor, (dom, target, run) in donors.items():
            actual = _balloon_kib(dom)
            if actual is None or actual <= target + SLACK_KIB:
                continue
            missing += actual - target
            short.add(run)
            with state.lock:
                if state.cooperation.observe(run, actual, now, config.stall_seconds):
                    stalled.add(run)
            log.debug("%s: waiting for %s to shrink to %d KiB (at %d)", name, donor, target, actual)
        if missing == 0:
            return admission, set()
        if stalled or now >= deadline:
            laggards = stalled or short  # at the deadline, the slow ones too
            with state.lock:
                state.held.pop(name, None)
                for run in laggards:
                    state.cooperation.mark(run)
            log.warning("%s: donors still hold %d KiB after %.1fs; %d gave too little%s", name,
                        missing, now - started, len(laggards),
                        "" if now >= last_call else ", planning without them")
            refusal = Admission(granted=False, need_kib=admission.need_kib, short_kib=missing)
            return refusal, laggards
        time.sleep(HANDOVER_POLL_S)


def _balloon_kib(dom: libvirt.virDomain) -> int | None:
    """The donor's balloon now (clamped like every guest figure); None when it is gone."""
    try:
        memory = read_domain(dom)
    except libvirt.libvirtError:  # gone: its memory is free
        return None
    return None if memory is None else memory.current_kib
