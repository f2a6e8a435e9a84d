"""Tell systemd a daemon serves (``Type=notify``): units ordered after it wait until then.

Without systemd (no ``NOTIFY_SOCKET``) this does nothing: the pidfile is the readiness signal
there (``daemon_process.py``).
"""

from __future__ import annotations

import os
import socket


def notify_ready() -> bool:
    """Send READY=1 to the service manager; False when there is none or it cannot be reached
    (the daemon serves anyway; systemd then times the start out and restarts it)."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address.startswith(("/", "@")):
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(b"READY=1")
    except OSError:
        return False
    return True
