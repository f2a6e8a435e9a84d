"""Moving a finished entry into the receiver's directory without ever replacing what is there.

``renameat2(RENAME_NOREPLACE)`` fails with EEXIST instead of replacing, so a name that exists —
including a symlink someone planted to redirect the write — is never touched; the entry is placed
under the next free name (``name.1``, ``name.2``, ...) instead.
"""

from __future__ import annotations

import ctypes
import errno
import os

RENAME_NOREPLACE = 1
MAX_SUFFIX = 1000

# glibc's soname on every Linux architecture; ctypes.util.find_library would spawn ldconfig or a
# compiler to find it, which the guest image has neither of.
_libc = ctypes.CDLL("libc.so.6", use_errno=True)
_renameat2 = _libc.renameat2
_renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
_renameat2.restype = ctypes.c_int


def rename_noreplace(src_dir_fd: int, src: str, dst_dir_fd: int, dst: str) -> None:
    if _renameat2(src_dir_fd, os.fsencode(src), dst_dir_fd, os.fsencode(dst), RENAME_NOREPLACE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), dst)


def place(src_dir_fd: int, name: str, dst_dir_fd: int) -> str:
    """Move ``name`` between the directories to the first free name; return the name used."""
    for attempt in range(MAX_SUFFIX):
        candidate = name if attempt == 0 else f"{name}.{attempt}"
        if len(candidate.encode()) > 255:
            break
        try:
            rename_noreplace(src_dir_fd, name, dst_dir_fd, candidate)
            return candidate
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise
    raise OSError(errno.EEXIST, f"no free name for {name!r} in the incoming directory")
