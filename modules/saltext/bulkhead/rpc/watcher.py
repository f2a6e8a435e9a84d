"""Keep the broker connected to every running domain's RPC socket, including domains that start
later and domains whose channel dropped.

The socket path is derived from the domain name (plan/names.py), and the name comes from libvirt,
never from the guest: what arrives on ``<socket_dir>/<name>.sock`` is ``name`` speaking. The
directory is root's and nobody else's (0700, checked at the broker's start: socket_dirs.py);
libvirtd binds the sockets there and hands them to QEMU.

A domain whose channel was dropped for breaking the protocol is attached again only after its
back-off (backoff.Backoff: 1 s, doubling up to 60 s), not at every scan. While the running
domains cannot be listed (libvirtd restarting) the list is asked for again after a back-off
(backoff.Outage: 0.5 s, doubling up to 30 s), and that is logged when it starts and when it ends,
not at every scan.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..backoff import Outage
from .broker import Broker

CONNECT_TIMEOUT = 5.0


class Watcher:
    def __init__(self, broker: Broker, socket_dir: Path, interval: float = 0.5,
                 log: logging.Logger | None = None, clock: Callable[[], float] = time.monotonic):
        self.broker = broker
        self.socket_dir = socket_dir
        self.interval = interval
        self.log = log or broker.log
        self.listing = Outage("list running domains", self.log, first=interval, clock=clock)
        self._stop = threading.Event()
        self._failing: set[str] = set()

    def scan(self) -> list[str]:
        """Connect to each running domain without a channel; the names newly attached."""
        if not self.listing.due():
            return []
        try:
            running = self.broker.host.running()
        except Exception as exc:  # libvirt restarting, pillar file being replaced: try again later
            self.listing.failed(exc)
            return []
        self.listing.succeeded()
        attached = set(self.broker.attached())
        new = []
        for name in running:
            if name in attached or not self.broker.backoff.due(name):
                continue
            path = self.socket_dir / f"{name}.sock"
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(CONNECT_TIMEOUT)
            try:
                sock.connect(str(path))
            except OSError as exc:
                sock.close()
                if name not in self._failing:
                    self.log.warning("%s: cannot connect to %s: %s", name, path, exc)
                    self._failing.add(name)
                continue
            sock.settimeout(None)
            self._failing.discard(name)
            if self.broker.attach(name, sock) is not None:
                self.broker.say(name, logging.INFO, "%s: channel attached (%s)", name, path)
                new.append(name)
        return new

    def run(self) -> None:
        while not self._stop.is_set():
            self.scan()
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
