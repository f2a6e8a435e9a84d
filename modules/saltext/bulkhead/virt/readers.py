"""The threads that read libvirt definitions ahead of their use (inventory_cache's prefetch).

One small pool per process, made on first use and kept: a Salt minion runs many states and
runs, and starting threads for every run cost more than the reads they overlapped at small
sizes. A forked child (Salt forks a process per job) starts without the parent's threads, so it
makes its own.
"""

from __future__ import annotations

import contextlib
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
    each take the next call when their last is done. Starting it costs the caller one
    submission: each task, once it has taken a call, submits the next task while calls are left
    (in a new process a submission starts a thread, and the submitter waits for it to run). A
    future cancelled before its call started (no longer wanted) skips it."""

    def __init__(self) -> None:
        self._todo: deque[tuple[Future[Any], Callable[[], Any]]] = deque()
        self._lock = threading.Lock()  # the queue and the count of tasks, changed together
        self._tasks = 0
        self._started = False

    def add(self, call: Callable[..., T], *args: Any) -> Future[T]:
        """The future of ``call(*args)``, run once the batch is started."""
        future: Future[T] = Future()
        with self._lock:
            self._todo.append((future, functools.partial(call, *args)))
        return future

    def add_next(self, calls: list[tuple[Future[Any], Callable[[], Any]]]) -> None:
        """Run each ``(future, call)`` of ``calls``, in their order, before every call not taken
        yet: a call of this batch that found what is wanted first (the reads of what it listed)."""
        with self._lock:
            self._todo.extendleft(reversed(calls))
        self._grow()

    def start(self) -> None:
        self._started = True
        self._grow()

    def _grow(self) -> None:
        """One task more when calls wait and fewer than THREADS tasks run."""
        with self._lock:
            if not self._started or not self._todo or self._tasks >= THREADS:
                return
            self._tasks += 1
        try:
            readers().submit(self._drain)
        except BaseException:
            with self._lock:
                self._tasks -= 1
            raise

    def _next(self) -> tuple[Future[Any], Callable[[], Any]] | None:
        with self._lock:  # the last task ends with the queue empty: no call is left behind
            if self._todo:
                return self._todo.popleft()
            self._tasks -= 1
            return None

    def _drain(self) -> None:
        taken = self._next()
        if taken is not None:
            # Before its first call, so the others' start meanwhile; a pool shut down (the
            # interpreter exits) takes no task: this one drains the batch alone.
            with contextlib.suppress(RuntimeError):
                self._grow()
        while taken is not None:
            _settle(*taken)
            taken = self._next()


def _settle(future: Future[T], call: Callable[[], T]) -> None:
    """Run ``call`` into ``future``, unless the future was cancelled first; its exception is
    raised where the result is asked for."""
    if not future.set_running_or_notify_cancel():
        return
    try:
        future.set_result(call())
    except BaseException as exc:  # noqa: BLE001 - raised where the result is asked for
        future.set_exception(exc)


def _forget_after_fork() -> None:
    # The parent's worker threads do not exist in the child: its pool would wait on them forever.
    global _pool, _made
    _pool, _made = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
