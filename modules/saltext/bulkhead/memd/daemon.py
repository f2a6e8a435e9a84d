"""bulkhead-memd: every ``interval`` seconds, rebalance the running bulkhead domains' balloons.

One iteration (:func:`balance_once`) lists our running domains, reads their balloon stats and
bounds, computes targets with the pure balancer and sets only those that changed. Nothing here
may stop the loop (while exclusive mode holds, it only waits):
a domain that disappears mid-iteration or a libvirt error is logged and the
rest carries on; the next iteration sees the world afresh. While libvirt cannot be reached
(libvirtd restarting) the loop tries again after a back-off (0.5 s doubling up to 30 s, never
sooner than ``interval``) and logs when that starts and when it ends, not every iteration. Domain
starts ask :func:`request`
(``start_request.py``) through the socket.
"""

from __future__ import annotations

import logging
import threading

import libvirt

from ..backoff import Outage
from ..exclusive.holding import holder
from ..libvirt_quiet import silence_libvirt
from ..memory.balance import InsufficientMemory, balance
from .daemon_config import DaemonConfig
from .daemon_state import Change, DaemonState, apply_targets, capacity, snapshot
from .start_request import request

__all__ = ["Change", "DaemonState", "balance_once", "request", "run"]

log = logging.getLogger(__name__)


def balance_once(
    conn: libvirt.virConnect, config: DaemonConfig, state: DaemonState | None = None
) -> list[Change]:
    """One balancing pass; returns the changes made. Safe to call from the socket thread too."""
    state = state if state is not None else DaemonState()
    with state.lock:
        domains, handles = snapshot(conn, config, state)
        # by name: the balancer hands rounding's last KiB out in input order, and libvirt lists
        # domains in no fixed order; the same host then gets the same targets
        domains = sorted(domains, key=lambda domain: domain.name)
        total = capacity(config, domains, state)
        state.capacity_kib = total
        try:
            decision = balance(domains, total, config.balancer)
        except InsufficientMemory as error:
            log.error("cannot balance: %s", error)
            return []
        state.last = decision
        return apply_targets(decision.changes(domains), domains, handles, state, total)


def exclusive_holds(config: DaemonConfig) -> bool:
    """Exclusive mode holds: the paused guests' balloons report nothing new, and moving memory
    between them would only be undone; balancing waits (a start request waits too)."""
    return config.exclusive_record is not None and holder(config.exclusive_record) is not None


def run(config: DaemonConfig, state: DaemonState, stop: threading.Event,
        libvirt_up: Outage | None = None) -> None:
    """The loop: reconnects after a lost connection and never lets an error end it."""
    libvirt_up = libvirt_up or Outage("reach libvirt", log)
    silence_libvirt()  # libvirt's own handler would print each failure to stderr (our log) too
    conn: libvirt.virConnect | None = None
    while not stop.is_set():
        pause = config.interval
        try:
            if conn is None or not conn.isAlive():
                conn = libvirt.open(config.uri)
            if exclusive_holds(config):
                stop.wait(pause)
                continue
            changes = balance_once(conn, config, state)
            libvirt_up.succeeded()
            for change in changes:
                log.info("%s: %d -> %d KiB%s", change.domain, change.from_kib, change.to_kib,
                         "" if change.applied else " (failed)")
        except libvirt.libvirtError as error:
            conn = None
            pause = max(pause, libvirt_up.failed(error))
        except Exception:  # the daemon must keep balancing whatever one pass hit
            log.exception("balancing pass failed")
        stop.wait(pause)
