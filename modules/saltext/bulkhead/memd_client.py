"""The client side of bulkhead-memd's socket: one JSON request line out, one reply line back.

Below the daemon on purpose: a domain start (``virt/start_memory.py``) asks the daemon for memory,
and virt must not import the daemon (``memd/``), which itself reads libvirt through virt's
layers. The protocol itself is described in ``memd/protocol.py``.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path


def ask(path: Path, message: dict, timeout: float = 30.0) -> dict:
    """Send one request line and read the reply (OSError: no daemon; ValueError: a cut reply)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(path))
        sock.sendall(json.dumps(message).encode() + b"\n")
        return json.loads(sock.makefile("rb").readline())
