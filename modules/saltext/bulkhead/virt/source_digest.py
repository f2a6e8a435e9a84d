"""The sha256 of an image file, re-hashed only when the file may have changed.

apply compares the digest of a template's ``image.root`` with the one recorded when its root
volume was imported. Hashing a 64 MiB image on every run would cost every apply a full read, so
digests are kept in ``/var/cache/bulkhead/source-digests.json`` under the file's identity: path,
device, inode, size, mtime and ctime (in ns). Writing the file's content or replacing it changes
ctime, which no unprivileged user can set back, so a matching key means unchanged content. A
cache file that cannot be read or has the wrong shape is ignored and the file is hashed again.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

from ..atomic_file import write_atomically
from .host_files import file_sha256

log = logging.getLogger(__name__)

CACHE_PATH = Path("/var/cache/bulkhead/source-digests.json")
MAX_ENTRIES = 64
_SHA = re.compile(r"[0-9a-f]{64}")


def identity(path: str) -> str:
    """The cache key of ``path`` as it is now; raises OSError when it cannot be stat'ed."""
    st = os.stat(path)
    return f"{path}\0{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


def _digests(cache: Path) -> dict[str, object]:
    """The cache's digests as read, not checked yet; empty when the file cannot be read or has
    the wrong shape."""
    try:
        data = json.loads(cache.read_text())
    except (OSError, ValueError):
        return {}
    entries = data.get("digests") if isinstance(data, dict) else None
    return entries if isinstance(entries, dict) else {}


def _sha(value: object) -> str | None:
    """``value`` when it is a well-formed digest, else None."""
    return value if isinstance(value, str) and _SHA.fullmatch(value) else None


def source_sha256(path: str, cache: Path | None = None) -> str:
    """sha256 of ``path``'s content; raises OSError when the file cannot be read."""
    cache = cache or CACHE_PATH
    before = identity(path)
    digests = _digests(cache)
    known = _sha(digests.get(before))  # only the entry asked for is checked (a no-op asks)
    if known is not None:
        return known
    entries = {k: sha for k, v in digests.items() if (sha := _sha(v)) is not None}
    digest = file_sha256(path)
    if identity(path) != before:
        # Written while we read it: the digest may describe no version of the file. Not cached;
        # the next run hashes again, and the import itself records what it really uploaded.
        return digest
    entries[before] = digest
    try:
        kept = {"digests": dict(list(entries.items())[-MAX_ENTRIES:])}
        write_atomically(cache, json.dumps(kept, indent=1).encode())
    except OSError as exc:  # a read-only cache only costs hashing again next time
        log.warning("bulkhead: cannot cache the digest of %s: %s", path, exc)
    return digest
