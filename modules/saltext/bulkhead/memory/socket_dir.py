"""The folder of memd's socket must be root's alone, or whoever can write to it owns memd.

Anyone who can write to the folder can replace the socket between two starts (and have domain
starts ask them for memory) or unlink it. So memd refuses to serve unless the folder is a real
directory (not a symlink) owned by root (or, for a test run by a user, by that user) that neither
group nor others may write. 0755 is accepted: /run/bulkhead is created 0755 (by the pidfile's
``mkdir`` in ``daemon_process.py``) because QEMU, when run as its own user, must reach the agent
and RPC sockets below it; the memd socket itself is 0600. A folder memd creates is 0700.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class UnsafeSocketDir(RuntimeError):
    """The socket's folder could be written by someone other than root."""


def require_private_dir(directory: Path) -> None:
    """Raise :class:`UnsafeSocketDir` unless ``directory`` is a root-owned, not group/other
    writable directory."""
    try:
        info = os.lstat(directory)
    except OSError as error:
        raise UnsafeSocketDir(f"cannot check socket folder {directory}: {error}") from error
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeSocketDir(f"socket folder {directory} is not a directory (a symlink?)")
    owners = {0, os.geteuid()}
    if info.st_uid not in owners:
        raise UnsafeSocketDir(f"socket folder {directory} is owned by uid {info.st_uid}, "
                              f"not root: refusing to serve (chown root {directory})")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UnsafeSocketDir(f"socket folder {directory} has mode "
                              f"{stat.S_IMODE(info.st_mode):04o}, writable by group or others: "
                              f"refusing to serve (chmod go-w {directory})")
