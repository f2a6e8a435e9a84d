"""Let one relay user connect to the compositor's socket, and no one else: a POSIX ACL entry.

Connecting to a unix socket needs write permission on it; a Wayland socket is its user's 0755.
The relay bind-mounts the socket into the sandbox (as root, so the runtime folder's 0700 is not
crossed), and adds ``user:<relay user>:rw`` to the socket's ACL, nothing else of the user's.
The ACL is written as the kernel's ``system.posix_acl_access`` xattr (no acl tools needed).
"""

from __future__ import annotations

import os
import stat
import struct

XATTR = "system.posix_acl_access"
VERSION = 2
USER_OBJ, USER, GROUP_OBJ, GROUP, MASK, OTHER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
UNDEFINED_ID = 0xFFFFFFFF
_ENTRY = struct.Struct("<HHI")


def _entries(raw: bytes) -> list[tuple[int, int, int]]:
    if len(raw) < 4 or struct.unpack_from("<I", raw)[0] != VERSION or (len(raw) - 4) % 8:
        raise ValueError("an ACL in a format this code does not know")
    return [_ENTRY.unpack_from(raw, 4 + 8 * i) for i in range((len(raw) - 4) // 8)]


def _current(path: str) -> list[tuple[int, int, int]]:
    try:
        return _entries(os.getxattr(path, XATTR))
    except OSError:  # no ACL yet: the mode bits are the whole of it
        mode = stat.S_IMODE(os.stat(path).st_mode)
        return [(USER_OBJ, mode >> 6 & 7, UNDEFINED_ID), (GROUP_OBJ, mode >> 3 & 7, UNDEFINED_ID),
                (OTHER, mode & 7, UNDEFINED_ID)]


def grant_connect(path: str, uid: int) -> None:
    """``path``'s ACL with read-write for ``uid`` (kept entries, the mask widened to allow it)."""
    entries = [e for e in _current(path) if not (e[0] == USER and e[2] == uid)]
    entries.append((USER, 6, uid))
    group = next(perm for tag, perm, _ in entries if tag == GROUP_OBJ)
    wanted_mask = group | 6 | max((p for t, p, _ in entries if t in (USER, GROUP)), default=0)
    entries = [e for e in entries if e[0] != MASK] + [(MASK, wanted_mask, UNDEFINED_ID)]
    entries.sort(key=lambda e: (e[0], e[2]))
    packed = b"".join(_ENTRY.pack(*entry) for entry in entries)
    os.setxattr(path, XATTR, struct.pack("<I", VERSION) + packed)


def can_connect(path: str, uid: int) -> bool:
    """Does ``path``'s ACL give ``uid`` its own read-write entry?"""
    return any(tag == USER and ident == uid and perm & 6 == 6
               for tag, perm, ident in _current(path))
