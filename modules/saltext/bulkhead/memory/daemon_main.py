"""Wiring of bulkhead-memd: the balancing loop in the main thread, the socket in another."""

from __future__ import annotations

import signal
import threading

import libvirt

from .daemon import DaemonState, request, run
from .daemon_config import DaemonConfig
from .server import MemdServer, serve_in_thread


def serve(config: DaemonConfig) -> None:
    """Run until SIGTERM or SIGINT. The socket thread opens its own libvirt connection per request
    (requests are rare: one per domain start) so a lost connection never outlives one request."""
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
    try:
        run(config, state, stop)
    finally:
        server.shutdown()
        server.server_close()
        config.socket_path.unlink(missing_ok=True)

