"""The threads that read libvirt definitions ahead of their use (inventory_cache's prefetch).

One small pool per process, made on first use and kept: a Salt minion runs many states and
runs, and starting threads for every run cost more than the reads they overlapped at small
sizes. A forked child (Salt forks a process per job) starts without the parent's threads, so it
makes its own.
"""

from __future__ import annotations

import functools
import os
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

THREADS = 4  # calls in flight; more gained nothing measurable on a 2-core host

T = TypeVar("T")

_pool: ThreadPoolExecutor | None = None
_made = threading.Lock()


def readers() -> ThreadPoolExecutor:
    """This process's reader pool."""
    global _pool
    with _made:
        if _pool is None:
            _pool = ThreadPoolExecutor(THREADS, thread_name_prefix="bulkhead-read")
        return _pool


class Batch:
    """Calls run in the reader pool in the order they were added, by at most THREADS tasks that
    each take the next call when their last is done: a batch costs the caller a few submissions,
    not one per call. A future cancelled before its call started (no longer wanted) skips it."""

    def __init__(self) -> None:
        self._todo: deque[tuple[Future[Any], Callable[[], Any]]] = deque()

    def add(self, call: Callable[..., T], *args: Any) -> Future[T]:
        """The future of ``call(*args)``, run once the batch is started."""
        future: Future[T] = Future()
        self._todo.append((future, functools.partial(call, *args)))
        return future

    def start(self) -> None:
        pool = readers()
        for _ in range(min(THREADS, len(self._todo))):
            pool.submit(self._drain)

    def _drain(self) -> None:
        while True:
            try:
                future, call = self._todo.popleft()  # atomic: no two threads take the same call
            except IndexError:
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(call())
            except BaseException as exc:  # noqa: BLE001 - raised where the result is asked for
                future.set_exception(exc)



def _forget_after_fork() -> None:
    # The parent's worker threads do not exist in the child: its pool would wait on them forever.
    global _pool, _made
    _pool, _made = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
