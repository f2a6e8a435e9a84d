"""The directory of the domains' RPC sockets must be root's alone.

Who can create or replace ``<dir>/<name>.sock`` can speak as domain ``name`` to the broker (the
socket a request arrives on is its caller's identity), and who can connect to it can speak as the
broker to that guest. libvirtd (root) binds each channel's socket itself and hands the descriptor
to QEMU (chardev fd passing), so QEMU, running as libvirt-qemu, needs no access to the directory:
root-owned 0700 works and is the strictest mode. The broker refuses to start on anything else,
and on a directory whose ancestors someone other than root could rename.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MODE = 0o700


class SocketDirError(Exception):
    """The socket directory is not root's alone."""


def check_socket_dir(path: Path) -> None:
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise SocketDirError(f"socket directory {path}: {exc.strerror}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise SocketDirError(f"socket directory {path} is not a directory (a symlink?)")
    if st.st_uid != 0 or stat.S_IMODE(st.st_mode) & 0o077:
        raise SocketDirError(f"socket directory {path} is owned by uid {st.st_uid} with mode "
                             f"{stat.S_IMODE(st.st_mode):04o}; it must be root's with mode 0700")
    for parent in Path(os.path.abspath(path)).parents:
        pst = os.stat(parent)
        shared = pst.st_mode & 0o022 and not pst.st_mode & stat.S_ISVTX
        if pst.st_uid != 0 or shared:
            raise SocketDirError(f"socket directory {path}: {parent} can be changed by others "
                                 f"than root (uid {pst.st_uid}, mode {stat.S_IMODE(pst.st_mode):04o})")


def make_socket_dir(path: Path) -> None:
    """Create ``path`` root's 0700, or tighten a root-owned one created looser (bulkhead made it
    0750 before); one owned by someone else is left for ``check_socket_dir`` to refuse."""
    path.mkdir(mode=MODE, parents=True, exist_ok=True)
    st = os.lstat(path)
    if stat.S_ISDIR(st.st_mode) and st.st_uid == 0 and stat.S_IMODE(st.st_mode) != MODE:
        os.chmod(path, MODE)
