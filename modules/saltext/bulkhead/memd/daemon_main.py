"""Wiring of bulkhead-memd: the balancing loop in the main thread, the socket in another."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import libvirt

from ..memory.admission import Admission
from ..sd_notify import notify_ready
from .daemon import DaemonState, request, run
from .daemon_config import DaemonConfig
from .pidfile import remove_if_ours, write_pidfile
from .server import MemdServer, serve_in_thread


def socket_server(config: DaemonConfig, state: DaemonState) -> MemdServer:
    """The socket, bound (not yet serving). Each request opens its own libvirt connection
    (requests are rare: one per domain start) so a lost connection never outlives one request."""

    def requester(name: str, need_kib: int) -> Admission:
        conn = libvirt.open(config.uri)
        try:
            return request(conn, config, state, name, need_kib)
        finally:
            conn.close()

    return MemdServer(config.socket_path, requester, state)


def serve(config: DaemonConfig, pidfile: Path | None = None, config_digest: str = "") -> None:
    """Run until SIGTERM or SIGINT: balancing in this thread, the socket in another.
    ``pidfile`` is written once the socket listens (readiness) and removed at exit."""
    state = DaemonState()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    server = socket_server(config, state)
    serve_in_thread(server)
    if pidfile is not None:
        write_pidfile(pidfile, os.getpid(), config_digest)
    notify_ready()  # under systemd: bulkhead-boot.service may ask for memory from now on
    try:
        run(config, state, stop)
    finally:
        server.shutdown()
        server.server_close()
        config.socket_path.unlink(missing_ok=True)
        if pidfile is not None:
            remove_if_ours(pidfile, os.getpid())

