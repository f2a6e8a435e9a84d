"""The host-wide apply lock: one bulkhead run at a time changes libvirt and the host's files.

An ``flock`` on ``<formula:paths:locks>/apply.lock`` (default /run/bulkhead/locks), so a holder
that dies releases it with its last descriptor; the file records who holds it (pid, command
line, since when, a token per acquisition) for the message of whoever waits (``record.py``).
Waiting is bounded (``formula:lock_timeout``, default 300 s); on timeout ``LockTimeout`` names
the holder. The lock is re-entrant within a thread (an entry point called under a state's lock
does not wait for itself), other threads of the process wait like other processes, and a forked
child holds nothing (``lock.py``). The key ("apply") is where a per-workstation lock will go
(docs/architecture.md).
"""

from .lock import DEFAULT_DIR, DEFAULT_TIMEOUT_S, Lease, LockTimeout, hold, holder_now, lock_path
from .mutating import mutating, pillar_lock
from .record import describe

__all__ = [
    "DEFAULT_DIR", "DEFAULT_TIMEOUT_S", "Lease", "LockTimeout", "describe", "hold", "holder_now",
    "lock_path", "mutating", "pillar_lock",
]
