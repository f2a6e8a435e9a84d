"""Keep one relay per running GUI domain, and none for a domain that stopped (runs in the RPC
broker, the host daemon that already follows which domains run: rpc/service.py).

A domain's relay starts once it runs with ``gui: true`` and ``host:gui:wayland_display`` names a
live sway's socket; it ends when the domain's channel closes (the domain stopped) or the domain
is no longer listed as running. Failures are logged once per domain and retried at each scan.
A relay that ended while its domain still runs (the guest broke its channel's framing) is
started again after a back-off, 1 s doubling up to 60 s: a guest that breaks every new relay
costs the host a filter and three sway rules (kept for sway's lifetime) a minute, not a second.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..backoff import Backoff
from ..model import Pillar
from ..plan import names as plan_names
from .names import SESSION_DIR, relay_user, session_dir
from .relay import Relay, RelayTarget
from .socket_access import grant_connect
from .sway_ipc import sway_socket
from .users import ensure_user

STOP_TIMEOUT_S = 10.0


class GuiRelays:
    def __init__(self, pillar: Callable[[], Pillar], running: Callable[[], list[str]],
                 log: logging.Logger, socket_dir: Path = Path(plan_names.GUI_SOCKET_DIR),
                 sessions: Path = SESSION_DIR, clock: Callable[[], float] = time.monotonic):
        self.pillar, self.running, self.log = pillar, running, log
        self.socket_dir, self.sessions = socket_dir, sessions
        self.relays: dict[str, Relay] = {}
        self._failing: set[str] = set()
        self._clock = clock
        self._started: dict[str, float] = {}  # when each relay started
        self._restarts = Backoff(first=1.0, longest=60.0, clock=clock)

    def scan(self) -> None:
        pillar = self.pillar()
        gui = {name for name, domain in pillar.domains.items() if domain.gui}
        if not gui and not self.relays:
            return  # a workstation without GUI domains costs no libvirt call
        wanted = gui.intersection(self.running())
        for name, relay in list(self.relays.items()):
            if name not in wanted or not relay.is_alive():
                if name in wanted:  # it ended by itself while the domain runs
                    hold = self._restarts.strike(name, self._started[name])
                    self.log.info("%s: GUI relay ended: the next in %g s", name, hold)
                relay.stop()
                relay.join(STOP_TIMEOUT_S)
                del self.relays[name]
        for name in set(self._started) - wanted:  # a domain that stopped starts afresh
            self._restarts.forget(name)
            del self._started[name]
        display = pillar.host.gui.wayland_display
        if display is None:
            return
        for name in sorted(wanted - set(self.relays)):
            if not self._restarts.due(name):
                continue
            try:
                self.relays[name] = self._start(pillar, name, display)
                self._started[name] = self._clock()
                self._failing.discard(name)
            except Exception as exc:  # the next scan tries again; said once
                if name not in self._failing:
                    self.log.warning("%s: GUI relay not started: %s", name, exc)
                    self._failing.add(name)

    def _start(self, pillar: Pillar, name: str, display: str) -> Relay:
        sway = sway_socket(display)
        if sway is None:
            raise RuntimeError(f"no running sway owns {display} (labels need its IPC socket)")
        uid, gid = ensure_user(relay_user(name))
        grant_connect(display, uid)
        channel = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            channel.connect(str(self.socket_dir / f"{name}.sock"))
        except OSError:
            channel.close()
            raise
        target = RelayTarget(name, pillar.domains[name].label, uid, gid,
                             session_dir(name, self.sessions), display, sway)
        relay = Relay(target, channel, self.log)
        try:
            relay.start_filter()  # fail closed: no filter, no relay
        except BaseException:
            relay.close()
            raise
        relay.start()
        self.log.info("%s: GUI relay started as %s (filter pid %d)", name, relay_user(name),
                      relay.filter_pid)
        return relay

    def filter_pids(self) -> dict[int, str]:
        """The host pid of each running relay's filter (the client sway sees): its domain."""
        return {relay.filter_pid: name for name, relay in dict(self.relays).items()
                if relay.filter_pid is not None and relay.is_alive()}

    def run(self, stopping: threading.Event, interval: float = 0.5) -> None:
        """Scan until ``stopping`` is set, then stop every relay."""
        while not stopping.wait(interval):
            try:
                self.scan()
            except Exception as exc:  # pillar file replaced, libvirtd restarting: next scan
                self.log.warning("GUI relays: %s", exc)
        self.stop()

    def stop(self) -> None:
        """Stop every relay and wait for each (its client ended, its session folder gone)."""
        for relay in self.relays.values():
            relay.stop()
        for relay in self.relays.values():
            relay.join(STOP_TIMEOUT_S)
        self.relays.clear()
