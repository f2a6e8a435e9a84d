"""The per-domain names and paths of the GUI relay, in one place."""

from __future__ import annotations

import hashlib
from pathlib import Path

USER_PREFIX = "bulkhead-gui-"
MAX_USER_NAME = 32  # useradd's limit
SESSION_DIR = Path("/run/bulkhead/gui-session")
WAYPIPE_SOCKET = "waypipe.sock"
FILTER_SOCKET = "filter.sock"  # the domain's Wayland filter, waypipe client's only display


def relay_user(domain: str) -> str:
    """The unprivileged user the domain's relay runs as: ``bulkhead-gui-<domain>``; a name too
    long for useradd ends in a digest of the domain's name instead."""
    name = USER_PREFIX + domain
    if len(name) <= MAX_USER_NAME:
        return name
    digest = hashlib.sha256(domain.encode()).hexdigest()[:8]
    return name[:MAX_USER_NAME - 9] + "-" + digest


def session_dir(domain: str, base: Path = SESSION_DIR) -> Path:
    """The relay user's only writable folder (the waypipe and filter sockets), bound into its
    sandboxes."""
    return base / domain


CONTROL_SOCKET = "clipboard.sock"


def control_socket(domain: str, base: Path = SESSION_DIR) -> Path:
    """The domain filter's clipboard control socket (root only: ``bulkhead clipboard``)."""
    return session_dir(domain, base) / CONTROL_SOCKET
