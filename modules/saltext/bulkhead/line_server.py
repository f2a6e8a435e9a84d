"""The host daemons' request sockets (bulkhead-memd's, the RPC broker's answer socket): a unix
socket, root's with mode 0600 from the moment it exists, one JSON request line in and one reply
line out per connection, each in a thread of its own and bounded in size and time."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import socketserver
import threading
from pathlib import Path
from typing import Any

from .socket_dirs import PRIVATE_MODE, check_socket_dir


class _Handler(socketserver.StreamRequestHandler):
    timeout = 10  # a client that connects and says nothing must not hold a thread forever

    def handle(self) -> None:
        server: LineServer = self.server  # type: ignore[assignment]
        try:
            line = self.rfile.readline(server.max_line + 1)
        except (TimeoutError, OSError):
            return
        reply = ({"ok": False, "error": f"request longer than {server.max_line} bytes"}
                 if len(line) > server.max_line else server.answer(line))
        with contextlib.suppress(OSError):  # the client went away; nothing to tell it
            self.wfile.write(json.dumps(reply).encode() + b"\n")


class LineServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """Serve ``answer(line)`` on ``path``; RuntimeError when another ``daemon`` listens there."""

    daemon_threads = True

    def __init__(self, path: Path, daemon: str, max_line: int) -> None:
        self.path, self.max_line = path, max_line
        claim_socket_path(path, daemon)
        old_umask = os.umask(0o177)  # created 0600 from the start, no window with a wider mode
        try:
            super().__init__(str(path), _Handler)
        finally:
            os.umask(old_umask)

    def answer(self, line: bytes) -> dict[str, Any]:
        raise NotImplementedError

    def serve_in_thread(self, name: str) -> threading.Thread:
        # a short poll interval only makes shutdown quicker; requests are served as they arrive
        thread = threading.Thread(target=self.serve_forever, args=(0.1,), name=name, daemon=True)
        thread.start()
        return thread


def claim_socket_path(path: Path, daemon: str) -> None:
    """Make ``path`` free for ``daemon``'s listening socket: its folder created (0700) and checked
    (root's, not writable by others), a socket left by a daemon that died removed; RuntimeError
    when another one answers there."""
    path.parent.mkdir(mode=PRIVATE_MODE, parents=True, exist_ok=True)
    check_socket_dir(path.parent, private=False)  # before touching anything in it
    if path.is_socket():
        if _answers(path):
            raise RuntimeError(f"another {daemon} is listening on {path}")
        path.unlink()


def _answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(str(path))
        except OSError:
            return False
    return True
