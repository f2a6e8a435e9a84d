"""Finish what a killed exclusive run left: resume its pauses, then drop its record.

Every ``bulkhead`` command calls ``recover`` first (cli.py), and so does the host's boot
(``boot/sequence.py``). It acts only on a record whose holder is dead, under the apply lock the
record names, reading the record again once it holds the lock: a new exclusive run takes the
same lock before it writes its record, so a recovery never resumes a newer run's pauses. A
domain libvirt refused to resume stays in the record, and the next command tries again.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..apply_lock import hold
from ..virt import connect
from . import record as records
from .resume import Resumed, resume_all

LOCK_WAIT_S = 60.0


def recover(path: Path, lock_timeout: float = LOCK_WAIT_S) -> list[Resumed] | None:
    """Resume what a dead holder's record at ``path`` paused; None when there was no such record
    (none, or its holder runs). Raises RecordError on a file that is not a record, LockTimeout
    when the lock stays taken, BulkheadVirtError when libvirt is unreachable (the record stays)."""
    found = records.read(path)
    if found is None or records.alive(found.holder):
        return None
    with hold(Path(found.lock), lock_timeout):
        found = records.read(path)
        if found is None or records.alive(found.holder):
            return None
        with connect(found.uri) as conn:
            results = resume_all(conn, found)
        refused = tuple(p for p, r in zip(found.paused, results, strict=True) if not r.ok)
        if refused:
            records.write(path, replace(found, paused=refused))
        else:
            records.remove(path)
    return results
