"""A qcow2 volume's shape read from its header on this host, where libvirt would probe the same.

libvirt answers a volume's XML by opening the file and probing its header (1-2 ms per volume on
qemu:///system), and a no-op reads the shape of every private volume (volumes.py). When libvirt
runs on this host the file is at hand: this reads the same header bytes. It only ever confirms:
a regular file whose header is qcow2 (version 2 or 3, no external data file) naming exactly the
expected backing path, or none when none is expected. Anything else (another format, another
backing, a relative one, a symlink, a file not readable here, a remote hypervisor) says "not
confirmed", and libvirt's own reading decides as before.
"""

from __future__ import annotations

import functools
import os
import stat
import struct
from urllib.parse import urlsplit

MAGIC = b"QFI\xfb"
# magic, version, backing_file_offset, backing_file_size (big-endian), as QEMU's qcow2 spec says
_HEAD = struct.Struct(">4sIQI")
_V3_INCOMPATIBLE = struct.Struct(">Q")  # incompatible_features, at byte 72 of a version 3 header
_V3_HEADER_END = 80
_EXTERNAL_DATA_FILE = 1 << 2  # its data would live in another file: not confirmed
_MAX_BACKING = 1023  # QEMU's limit on the backing file name


@functools.lru_cache(maxsize=16)  # a URI's answer never changes; every domain state asks
def local_files(uri: str) -> bool:
    """Whether the hypervisor at ``uri`` keeps its volumes on this host's file system: a local
    driver (no host in the URI, no remote transport), not libvirt's test driver (no files)."""
    parts = urlsplit(uri)
    driver, _, transport = parts.scheme.partition("+")
    return not parts.netloc and transport in ("", "unix") and driver not in ("test", "")


def qcow2_shape_is(path: str, backing: str | None) -> bool:
    """True only when the file at ``path`` is a regular qcow2 file whose header names exactly
    ``backing`` as its backing file (None: no backing file)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode) and _header_names(fd, backing)
    except OSError:
        return False
    finally:
        os.close(fd)


def _header_names(fd: int, backing: str | None) -> bool:
    head = os.pread(fd, _V3_HEADER_END, 0)
    if len(head) < _HEAD.size:
        return False
    magic, version, offset, size = _HEAD.unpack_from(head)
    if magic != MAGIC or version not in (2, 3):
        return False
    if version == 3 and (len(head) < _V3_HEADER_END or
                         _V3_INCOMPATIBLE.unpack_from(head, 72)[0] & _EXTERNAL_DATA_FILE):
        return False
    if offset == 0:
        return backing is None
    if backing is None or not 0 < size <= _MAX_BACKING:
        return False
    return os.pread(fd, size, offset) == os.fsencode(backing)
