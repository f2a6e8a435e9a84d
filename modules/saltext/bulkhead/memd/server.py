"""The unix socket bulkhead-memd listens on (mode 0600: only root may move memory around)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from ..line_server import LineServer
from .daemon import DaemonState
from .protocol import MAX_LINE, Requester, handle_line


class MemdServer(LineServer):
    def __init__(self, path: Path, requester: Requester, state: DaemonState) -> None:
        self.requester = requester
        self.state = state
        super().__init__(path, "bulkhead-memd", MAX_LINE)

    def answer(self, line: bytes) -> dict[str, Any]:
        return handle_line(line, self.requester, self.state)


def serve_in_thread(server: MemdServer) -> threading.Thread:
    return server.serve_in_thread("memd-socket")
