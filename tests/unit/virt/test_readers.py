"""A batch of the reader pool: one submission by the caller runs every call, each result (or
error) reaches the one who asks for it, and a call whose result is no longer wanted before it
starts is not made."""

from __future__ import annotations

import functools
import threading
from concurrent.futures import Future

import pytest

from saltext.bulkhead.virt import readers
from saltext.bulkhead.virt.readers import THREADS, Batch


class _Refused(Exception):
    pass


def _refuse() -> None:
    raise _Refused("no such object")


def test_every_call_runs_once_in_a_reader_thread_and_the_caller_submits_one_task(monkeypatch):
    submitted: list[str] = []  # the thread that submitted each task
    pool = readers.readers()
    monkeypatch.setattr(readers, "readers", lambda: _Counting(pool, submitted))
    together = threading.Barrier(THREADS, timeout=30)  # broken unless THREADS calls run at once
    ran: list[tuple[int, str]] = []

    def call(i: int) -> int:
        if i < THREADS:
            together.wait()
        ran.append((i, threading.current_thread().name))
        return i * i

    futures = each([functools.partial(call, i) for i in range(3 * THREADS)])
    assert [f.result(timeout=30) for f in futures] == [i * i for i in range(3 * THREADS)]
    assert sorted(i for i, _ in ran) == list(range(3 * THREADS))  # each once
    assert all(name.startswith("bulkhead-read") for _, name in ran)
    assert len(submitted) == THREADS  # no more tasks than threads
    assert submitted.count(threading.current_thread().name) == 1  # the others by the readers


def test_calls_added_next_by_a_running_call_run_before_those_not_taken_yet(monkeypatch):
    monkeypatch.setattr(readers, "THREADS", 1)  # one task: the order calls are taken in is seen
    ran: list[str] = []
    batch = Batch()
    found = [Future(), Future()]

    def listing() -> None:
        ran.append("listing")
        batch.add_next([(found[0], lambda: ran.append("read0")),
                        (found[1], lambda: ran.append("read1"))])

    batch.add(listing)
    later = batch.add(ran.append, "later")
    batch.start()
    later.result(timeout=30)
    assert ran == ["listing", "read0", "read1", "later"] and all(f.done() for f in found)


def test_a_failed_call_raises_its_own_error_where_its_result_is_asked_for():
    batch = Batch()
    failed, fine = batch.add(_refuse), batch.add(lambda: "read")
    batch.start()
    with pytest.raises(_Refused, match="^no such object$"):
        failed.result(timeout=30)
    assert fine.result(timeout=30) == "read"


def test_a_call_cancelled_before_it_starts_is_not_made():
    made = []
    batch = Batch()
    dropped = batch.add(made.append, "dropped")
    kept = batch.add(made.append, "kept")
    assert dropped.cancel()
    batch.start()
    kept.result(timeout=30)
    assert made == ["kept"] and dropped.cancelled()


def each(calls) -> list[Future]:
    """A future of each of ``calls``, run in the reader pool in their order (one batch)."""
    batch = Batch()
    futures = [batch.add(call) for call in calls]
    batch.start()
    return futures


class _Counting:
    """The reader pool, counting what is submitted to it."""

    def __init__(self, pool, submitted: list) -> None:
        self._pool, self._submitted = pool, submitted

    def submit(self, fn, *args) -> Future:
        self._submitted.append(threading.current_thread().name)
        return self._pool.submit(fn, *args)
