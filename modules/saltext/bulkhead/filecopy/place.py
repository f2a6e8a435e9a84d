"""Moving a finished transfer into the receiver's directory without ever replacing what is there.

``renameat2(RENAME_NOREPLACE)`` fails with EEXIST instead of replacing, so a name that exists —
including a symlink someone planted to redirect the write — is never touched; the entry is placed
under the next free name (``name.1``, ``name.2``, ...) instead. A staging directory's name is
never used (the receiver removes those). ``place_all`` places every top-level entry or none.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
from collections.abc import Iterable

from .staging import is_staging_name

RENAME_NOREPLACE = 1
MAX_SUFFIX = 1000

# glibc's soname on every Linux architecture; ctypes.util.find_library would spawn ldconfig or a
# compiler to find it, which the guest image has neither of.
_libc = ctypes.CDLL("libc.so.6", use_errno=True)
_renameat2 = _libc.renameat2
_renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
_renameat2.restype = ctypes.c_int


def rename_noreplace(src_dir_fd: int, src: str, dst_dir_fd: int, dst: str) -> None:
    if (
        _renameat2(src_dir_fd, os.fsencode(src), dst_dir_fd, os.fsencode(dst), RENAME_NOREPLACE)
        != 0
    ):
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), dst)


def place(src_dir_fd: int, name: str, dst_dir_fd: int) -> str:
    """Move ``name`` between the directories to the first free name; return the name used."""
    for attempt in range(MAX_SUFFIX):
        candidate = name if attempt == 0 else f"{name}.{attempt}"
        if len(candidate.encode()) > 255:
            break
        if is_staging_name(candidate):
            continue
        try:
            rename_noreplace(src_dir_fd, name, dst_dir_fd, candidate)
            return candidate
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise
    raise OSError(errno.EEXIST, f"no free name for {name!r} in the incoming directory")


def _identity(dir_fd: int, name: str) -> tuple[int, int]:
    st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    return st.st_dev, st.st_ino


def place_all(src_dir_fd: int, names: Iterable[str], dst_dir_fd: int) -> tuple[str, ...]:
    """Place every name (see ``place``), or none: if one cannot be placed, those already placed
    are moved back (each only if its name still holds what was placed) and the error raised."""
    placed: list[tuple[str, str, tuple[int, int]]] = []
    try:
        for name in names:
            identity = _identity(src_dir_fd, name)
            placed.append((name, place(src_dir_fd, name, dst_dir_fd), identity))
    except BaseException:
        for name, used, identity in reversed(placed):
            with contextlib.suppress(OSError):
                if _identity(dst_dir_fd, used) == identity:
                    rename_noreplace(dst_dir_fd, used, src_dir_fd, name)
        raise
    return tuple(used for _, used, _ in placed)
