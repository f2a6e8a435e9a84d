"""The threads that read libvirt definitions ahead of their use (inventory_cache's prefetch).

One small pool per process, made on first use and kept: a Salt minion runs many states and
runs, and starting threads for every run cost more than the reads they overlapped at small
sizes. A forked child (Salt forks a process per job) starts without the parent's threads, so it
makes its own.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

THREADS = 4  # calls in flight; more gained nothing measurable on a 2-core host

_pool: ThreadPoolExecutor | None = None
_made = threading.Lock()


def readers() -> ThreadPoolExecutor:
    """This process's reader pool."""
    global _pool
    with _made:
        if _pool is None:
            _pool = ThreadPoolExecutor(THREADS, thread_name_prefix="bulkhead-read")
        return _pool


def _forget_after_fork() -> None:
    # The parent's worker threads do not exist in the child: its pool would wait on them forever.
    global _pool, _made
    _pool, _made = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
