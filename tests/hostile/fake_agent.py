"""A compromised guest's agent on a real unix socket: the host's AgentClient talks to it exactly as
to QEMU's channel socket. It answers with raw bytes of its choosing, or runs the real guest
protocol script (agent-protocol.sh under busybox sh) so a command's output is the guest's own."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path

Answer = Callable[[dict], bytes]
BUSYBOX = shutil.which("busybox")


class FakeAgent:
    """Serves one connection at a time on ``path``; ``answer(request)`` is the bytes sent back
    (a subclass may take the whole connection instead: ``handle``)."""

    def __init__(self, path: Path | str, answer: Answer | None = None):
        self.path = str(path)
        self.answer = answer
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(self.path)
        self._server.listen(4)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            with conn, contextlib.suppress(OSError):  # the client may hang up mid-answer
                self.handle(conn)

    def handle(self, conn: socket.socket) -> None:
        conn.sendall(self.answer(json.loads(conn.makefile("rb").readline())))

    def close(self) -> None:
        self._server.close()


def guest_protocol(run_dir: Path) -> Answer:
    """Answer as the guest does: the real protocol script, under busybox sh."""
    protocol = resources.files("saltext.bulkhead.image") / "guest" / "agent-protocol.sh"
    script = f'name=work; AGENT_RUN={run_dir}; . "{protocol}"; IFS= read -r line; answer "$line"'

    def answer(request: dict) -> bytes:
        return subprocess.run([BUSYBOX, "sh", "-c", script], capture_output=True, check=True,
                              input=json.dumps(request).encode() + b"\n", timeout=20).stdout

    return answer
