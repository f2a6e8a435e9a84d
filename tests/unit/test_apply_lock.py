"""The apply lock (apply_lock/) between real processes: holder record, bounded wait naming the
holder, re-entrancy in a thread, other threads and forked children waiting, a killed holder's
lock free at once, and test mode never waiting."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saltext.bulkhead import apply_lock
from saltext.bulkhead.apply_lock import LockTimeout, describe, hold, holder_now, lock_path, mutating

MODULES = Path(apply_lock.__file__).resolve().parents[3]
# Holds the lock until its stdin closes (or it is killed); prints its lease's token once it holds.
HOLDER = """
import sys
from pathlib import Path
from saltext.bulkhead.apply_lock import hold
with hold(Path(sys.argv[1]), 30) as lease:
    print(lease.token, flush=True)
    sys.stdin.read()
"""


class Holder:
    def __init__(self, path: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(MODULES)}
        self.process = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), "holder-mark"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self.token = self.process.stdout.readline().decode().strip()
        assert self.token, "the holder did not take the lock"

    def release(self) -> None:
        self.process.stdin.close()
        assert self.process.wait() == 0

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return lock_path(tmp_path / "locks")


def test_a_held_lock_times_out_naming_its_holder(path: Path) -> None:
    holder = Holder(path)
    try:
        with pytest.raises(LockTimeout) as raised, hold(path, timeout=0.3):
            pass
        message = str(raised.value)
        assert f"pid {holder.process.pid} (" in message and "holder-mark" in message
        assert "nothing was changed" in message
        assert holder_now(path) is not None and f"pid {holder.process.pid}" in holder_now(path)
    finally:
        holder.release()
    assert holder_now(path) is None
    with hold(path, timeout=0) as lease:  # released: free at once, and the record is ours now
        assert lease.previous == holder.token
        record = json.loads(path.read_text())
        assert (record["pid"], record["token"]) == (os.getpid(), lease.token)
        assert "pytest" in record["command"] and record["since"]


def test_a_killed_holders_lock_is_free_and_its_record_says_so(path: Path) -> None:
    holder = Holder(path)
    holder.kill()
    record = json.loads(path.read_text())
    assert "that process has ended" in describe(record)
    with hold(path, timeout=0) as lease:
        assert lease.previous == holder.token


def test_reentrant_in_a_thread_and_exclusive_against_other_threads(path: Path) -> None:
    failures: list[str] = []

    def other_thread() -> None:
        try:
            with hold(path, timeout=0.2):
                failures.append("another thread took a held lock")
        except LockTimeout as exc:
            failures.append(str(exc))

    with hold(path, timeout=0) as outer:
        with hold(path, timeout=0) as inner:  # no wait for itself
            assert inner == outer
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert len(failures) == 1 and "another thread of this process" in failures[0]
        # Still held after the inner release: another process cannot take it.
        assert holder_now(path) is not None
    assert holder_now(path) is None


def _try_in_child(path: Path, queue: multiprocessing.Queue) -> None:
    try:
        with hold(path, timeout=0.2):
            queue.put("taken")
    except LockTimeout as exc:
        queue.put(str(exc))


def test_a_forked_child_holds_nothing_and_keeps_the_parents_lock(path: Path) -> None:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    with hold(path, timeout=0):
        child = context.Process(target=_try_in_child, args=(path, queue))
        child.start()
        child.join()
        assert f"pid {os.getpid()} (" in queue.get()
        assert holder_now(path) is not None  # the child closing its copy did not release ours


def test_consecutive_leases_chain_their_tokens(path: Path) -> None:
    with hold(path, timeout=0) as first:
        pass
    with hold(path, timeout=0) as second:
        assert second.previous == first.token != second.token


class _Formula:
    def __init__(self, locks: Path, timeout: int) -> None:
        self.lock_timeout = timeout
        self.paths = type("Paths", (), {"locks": str(locks)})()


class _Pillar:
    def __init__(self, locks: Path, timeout: int = 0) -> None:
        self.formula = _Formula(locks, timeout)


@mutating
def _entry_point(conn: object, pillar: _Pillar, name: str, test: bool = False) -> str:
    return f"{name} done"


def test_entry_points_wait_in_a_real_run_and_never_in_test_mode(path: Path) -> None:
    pillar = _Pillar(path.parent, timeout=0)
    holder = Holder(path)
    try:
        assert _entry_point(None, pillar, "work", test=True) == "work done"
        with pytest.raises(LockTimeout, match=f"pid {holder.process.pid} "):
            _entry_point(None, pillar, "work")
    finally:
        holder.release()
    assert _entry_point(None, pillar, "work") == "work done"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=8,
)


@given(st.dictionaries(st.sampled_from(["pid", "command", "since", "token", "x"]), json_values))
def test_any_record_is_described_in_one_line(record: dict) -> None:
    text = describe(record)
    assert isinstance(text, str) and text
