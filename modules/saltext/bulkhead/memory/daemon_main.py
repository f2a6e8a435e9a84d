"""Wiring of bulkhead-memd: the balancing loop in the main thread, the socket in another."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import libvirt

from .daemon import DaemonState, request, run
from .daemon_config import DaemonConfig
from .pidfile import remove_if_ours, write_pidfile
from .server import MemdServer, serve_in_thread


def serve(config: DaemonConfig, pidfile: Path | None = None, config_digest: str = "") -> None:
    """Run until SIGTERM or SIGINT. The socket thread opens its own libvirt connection per request
    (requests are rare: one per domain start) so a lost connection never outlives one request.
    ``pidfile`` is written once the socket listens (readiness) and removed at exit."""
    state = DaemonState()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    def requester(name: str, need_kib: int):  # noqa: ANN202 - Admission, see protocol.Requester
        conn = libvirt.open(config.uri)
        try:
            return request(conn, config, state, name, need_kib)
        finally:
            conn.close()

    server = MemdServer(config.socket_path, requester, state)
    serve_in_thread(server)
    if pidfile is not None:
        write_pidfile(pidfile, os.getpid(), config_digest)
    try:
        run(config, state, stop)
    finally:
        server.shutdown()
        server.server_close()
        config.socket_path.unlink(missing_ok=True)
        if pidfile is not None:
            remove_if_ours(pidfile, os.getpid())

