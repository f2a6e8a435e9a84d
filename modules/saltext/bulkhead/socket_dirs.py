"""The folders of the host daemons' unix sockets must be root's, or whoever can write there speaks
for a daemon or for a domain.

Who can create or replace a socket in the broker's folder (``<dir>/<name>.sock``) speaks as domain
``name`` to the broker, and who can connect to one speaks as the broker to that guest: that folder
is root's alone (0700). libvirtd (root) binds each channel's socket itself and hands QEMU the
descriptor, so QEMU (libvirt-qemu) needs no access to it. memd's folder (/run/bulkhead) may be read
by others (QEMU reaches the agent and RPC folders below it) but written by root alone, or anyone
could put a socket of theirs where domain starts ask for memory. Either daemon refuses to serve
otherwise, and on a folder whose ancestors someone other than root could rename.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_MODE = 0o700


class SocketDirError(RuntimeError):
    """A socket folder someone other than root could change."""


def check_socket_dir(path: Path, *, private: bool) -> None:
    """Raise :class:`SocketDirError` unless ``path`` is a real directory owned by root (or by the
    user running a test) that no one else may write to (``private``: nor read or enter)."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise SocketDirError(f"socket folder {path}: {exc.strerror}: refusing to serve") from None
    if not stat.S_ISDIR(info.st_mode):
        raise SocketDirError(f"socket folder {path} is not a directory (a symlink?)")
    if info.st_uid not in {0, os.geteuid()}:
        raise SocketDirError(f"socket folder {path} is owned by uid {info.st_uid}, not root: "
                             f"refusing to serve (chown root {path})")
    mode = stat.S_IMODE(info.st_mode)
    if private and mode & 0o077:
        raise SocketDirError(f"socket folder {path} has mode {mode:04o}; it must be root's with "
                             f"mode 0700: refusing to serve (chmod 0700 {path})")
    if mode & 0o022:
        raise SocketDirError(f"socket folder {path} has mode {mode:04o}, writable by group or "
                             f"others: refusing to serve (chmod go-w {path})")
    for parent in Path(os.path.abspath(path)).parents:
        pinfo = os.stat(parent)
        shared = pinfo.st_mode & 0o022 and not pinfo.st_mode & stat.S_ISVTX
        if pinfo.st_uid not in {0, os.geteuid()} or shared:
            raise SocketDirError(f"socket folder {path}: {parent} can be changed by others than "
                                 f"root (uid {pinfo.st_uid}, mode {stat.S_IMODE(pinfo.st_mode):04o})")


def make_private_socket_dir(path: Path) -> None:
    """Create ``path`` root's 0700, or tighten a root-owned one created looser (bulkhead made the
    broker's 0750 before); one owned by someone else is left for ``check_socket_dir`` to refuse."""
    path.mkdir(mode=PRIVATE_MODE, parents=True, exist_ok=True)
    info = os.lstat(path)
    if stat.S_ISDIR(info.st_mode) and info.st_uid == 0 and stat.S_IMODE(info.st_mode) != PRIVATE_MODE:
        os.chmod(path, PRIVATE_MODE)
