"""The holder's record (apply_lock/record.py) as others read it, although a process keeps what it
wrote last parsed; tokens a forked child draws are not its parent's; a forked child leaving a
``with`` its parent entered releases nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from saltext.bulkhead.apply_lock import hold, holder_now, lock_path, record


def _file(tmp_path: Path) -> int:
    return os.open(tmp_path / "apply.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


def test_what_this_process_wrote_reads_back_as_a_fresh_parse_does(tmp_path: Path) -> None:
    fd = _file(tmp_path)
    try:
        token = record.write(fd)
        kept = record.read(fd)  # from what write kept
        on_disk = json.loads(os.pread(fd, record.RECORD_MAX, 0))
        assert kept == on_disk and on_disk["token"] == token == record.previous_token(fd)
        assert (on_disk["pid"], bool(on_disk["since"])) == (os.getpid(), True)
    finally:
        os.close(fd)


@given(st.one_of(
    st.dictionaries(st.sampled_from(["pid", "command", "token", "since"]),
                    st.none() | st.integers() | st.text(max_size=50)),
    st.lists(st.integers(), max_size=3)))
def test_any_record_another_process_wrote_reads_as_json_says(tmp_path_factory, value) -> None:
    fd = _file(tmp_path_factory.mktemp("rec"))
    try:
        for padding in (b"", b" " * 10, b" x"):
            raw = json.dumps(value).encode() + padding
            os.pwrite(fd, raw.ljust(record.RECORD_MAX), 0)
            expected = value if isinstance(value, dict) and padding != b" x" else {}
            assert record.read(fd) == expected
            token = expected.get("token")
            assert record.previous_token(fd) == (token if isinstance(token, str) else None)
    finally:
        os.close(fd)


def test_a_forked_child_draws_other_tokens_than_its_parent(tmp_path: Path) -> None:
    fd = _file(tmp_path)
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next tokens, then gone
        os.write(writer, " ".join(record.write(fd) for _ in range(3)).encode())
        os._exit(0)
    os.close(writer)
    os.waitpid(pid, 0)
    child = os.read(reader, 4096).decode().split()
    os.close(reader)
    mine = [record.write(fd) for _ in range(3)]
    os.close(fd)
    assert len(child) == 3 and not set(child) & set(mine)


def test_a_forked_child_leaving_its_parents_with_releases_nothing(tmp_path: Path) -> None:
    path = lock_path(tmp_path / "locks")
    entered = hold(path, 0)
    entered.__enter__()
    try:
        pid = os.fork()
        if pid == 0:  # the child leaves the block its parent entered
            try:
                entered.__exit__(None, None, None)
                with hold(path, 0):  # and holds nothing: the parent's lock makes it wait
                    os._exit(3)
            except BaseException as exc:  # noqa: BLE001 - the outcome is the exit status
                os._exit(0 if type(exc).__name__ == "LockTimeout" else 4)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert holder_now(path) is not None  # still ours
    finally:
        entered.__exit__(None, None, None)
    assert holder_now(path) is None


def test_a_record_cut_at_its_maximum_reads_as_no_record(tmp_path: Path, monkeypatch) -> None:
    """A command line JSON makes longer than the record leaves no token to chain to (as a parse
    of what is on disk says), although this process knows the token it drew."""
    mine = {"pid": os.getpid(), "command": "\u00e9" * 1000}  # 6 bytes each as JSON
    monkeypatch.setattr(record, "_own", (json.dumps(mine)[:-1], mine))
    fd = _file(tmp_path)
    try:
        assert record.write(fd)
        assert record.read(fd) == {} and record.previous_token(fd) is None
        assert len(os.pread(fd, 2 * record.RECORD_MAX, 0)) == record.RECORD_MAX
    finally:
        os.close(fd)
