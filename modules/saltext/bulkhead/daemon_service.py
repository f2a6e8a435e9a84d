"""The one manager of bulkhead's host daemons (bulkhead-memd, the RPC broker), with one drift rule.

A daemon is found through its pidfile and recognised by its command line (``daemon_process``).
It runs what the pillar wants only while all three hold, else it is restarted:

- its executable is the file the wanted command line starts (``/proc/PID/exe`` against argv[0]
  resolved: another spelling of the same interpreter is no drift, one replaced by an upgrade is);
- its arguments are the wanted ones (settings a daemon reads only at start);
- the configuration digest it recorded in its pidfile is the one of the wanted configuration
  (a daemon with a config file: bulkhead-memd).

With systemd as PID 1 the daemon runs as its unit (``systemd.py``): a changed unit, or drift,
restarts the unit. Inspection only reads, so test mode reports exactly what a real run does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from .daemon_process import DaemonProcess, Running
from .reconcile import Work
from .systemd import Systemd, removal_steps, service_steps


@dataclass(frozen=True, slots=True)
class Wanted:
    """The daemon as the pillar wants it."""

    argv: list[str]
    config_digest: str | None = None
    """What the daemon records after its pid once it loaded its config (None: nothing)."""


@dataclass(frozen=True, slots=True)
class Unit:
    """The daemon's systemd unit on a host run by systemd."""

    systemd: Systemd
    name: str
    text: str


def drift(running: Running, wanted: Wanted) -> list[str]:
    """How ``running`` differs from ``wanted`` (empty: it is the wanted daemon)."""
    reasons = []
    if running.executable != os.path.realpath(wanted.argv[0]):
        reasons.append("another executable")
    if running.argv[1:] != wanted.argv[1:]:
        reasons.append("other arguments")
    if wanted.config_digest is not None and running.recorded[:1] != (wanted.config_digest,):
        reasons.append("another configuration")
    return reasons


def keep_running(work: Work, process: DaemonProcess, wanted: Wanted, key: str,
                 start: Callable[[], None] | None = None, unit: Unit | None = None) -> None:
    """Steps leaving ``process`` running as ``wanted``: started if none runs, restarted on drift.

    ``key``: its entry in the state's changes; ``start``: how to start it (default: ``wanted.argv``
    detached)."""
    start = start or (lambda: process.start(wanted.argv))
    running = process.running()
    reasons = [] if running is None else drift(running, wanted)
    if unit is not None:
        service_steps(work, unit.systemd, unit.name, unit.text,
                      None if running is None else running.pid, bool(reasons),
                      lambda: process.stop(running.pid))
        return
    if running is None:
        work.changes[key] = {"old": "stopped", "new": "running"}
        work.step(f"start {process.name}", start)
    elif reasons:
        work.step(f"stop {process.name}", lambda: process.stop(running.pid))
        # recorded after the stop: the restart is made by the start (outcome.py)
        work.changes[key] = {"old": f"running {' and '.join(reasons)}", "new": "restarted"}
        work.step(f"start {process.name}", start)


def keep_stopped(work: Work, process: DaemonProcess, key: str,
                 unit: tuple[Systemd, str] | None = None) -> None:
    """Steps stopping ``process`` (and removing its unit, else it would come back at boot)."""
    if unit is not None:
        removal_steps(work, *unit)
    running = process.running()
    if running is not None:
        work.changes[key] = {"old": "running", "new": "stopped"}
        work.step(f"stop {process.name}", lambda: process.stop(running.pid))
