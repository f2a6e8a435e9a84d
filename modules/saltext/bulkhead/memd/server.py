"""The unix socket bulkhead-memd listens on (mode 0600: only root may move memory around)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socketserver
import threading
from pathlib import Path

from ..socket_dirs import claim_socket_path
from .daemon import DaemonState
from .protocol import MAX_LINE, Requester, handle_line

log = logging.getLogger(__name__)


class _Handler(socketserver.StreamRequestHandler):
    timeout = 10  # a client that connects and says nothing must not hold a thread forever

    def handle(self) -> None:
        server: MemdServer = self.server  # type: ignore[assignment]
        try:
            line = self.rfile.readline(MAX_LINE + 1)
        except (TimeoutError, OSError):
            return
        if len(line) > MAX_LINE:
            reply = {"ok": False, "error": f"request longer than {MAX_LINE} bytes"}
        else:
            reply = handle_line(line, server.requester, server.state)
        with contextlib.suppress(OSError):  # the client went away; nothing to tell it
            self.wfile.write(json.dumps(reply).encode() + b"\n")


class MemdServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, path: Path, requester: Requester, state: DaemonState) -> None:
        self.requester = requester
        self.state = state
        claim_socket_path(path, "bulkhead-memd")
        old_umask = os.umask(0o177)  # created 0600 from the start, no window with a wider mode
        try:
            super().__init__(str(path), _Handler)
        finally:
            os.umask(old_umask)


def serve_in_thread(server: MemdServer) -> threading.Thread:
    # a short poll interval only makes shutdown quicker; requests are served as they arrive
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), name="memd-socket",
                              daemon=True)
    thread.start()
    return thread

