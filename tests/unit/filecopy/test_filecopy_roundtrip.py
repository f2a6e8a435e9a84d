"""send() and receive() together: what is sent arrives, with its permission bits, all or nothing."""

from __future__ import annotations

import io
import os
import stat

import pytest

from saltext.bulkhead.filecopy import FileCopyError, Limits, receive, send

from .helpers import tree


@pytest.fixture
def dirs(tmp_path):
    src, incoming = tmp_path / "src", tmp_path / "incoming"
    (src / "docs" / "deep").mkdir(parents=True)
    (src / "docs" / "a.txt").write_bytes(b"alpha\n")
    (src / "docs" / "deep" / "b.bin").write_bytes(os.urandom(150_000))  # several chunks
    (src / "docs" / "empty").write_bytes(b"")
    os.chmod(src / "docs" / "a.txt", 0o4750)  # setuid must not survive
    os.chmod(src / "docs" / "deep", 0o500)
    (src / "single.txt").write_bytes(b"one file\n")
    incoming.mkdir()
    return src, incoming


def test_tree_and_file_arrive_identical(dirs):
    src, incoming = dirs
    got = receive(send([src / "docs", src / "single.txt"]), incoming, "work")
    assert got.placed == ("docs", "single.txt") and got.entries == 6
    assert got.bytes == 6 + 150_000 + 9
    arrived = tree(incoming / "work")
    assert arrived == {k: v for k, v in tree(src).items()}
    assert stat.S_IMODE(os.stat(incoming / "work/docs/a.txt").st_mode) == 0o750
    assert stat.S_IMODE(os.stat(incoming / "work/docs/deep").st_mode) == 0o700  # owner keeps access
    assert sorted(os.listdir(incoming / "work")) == ["docs", "single.txt"]  # no staging left


def test_existing_names_are_never_replaced(dirs):
    src, incoming = dirs
    receive(send([src / "single.txt"]), incoming, "work")
    (incoming / "work" / "single.txt").write_bytes(b"edited by the user\n")
    again = receive(io.BytesIO(b"".join(send([src / "single.txt"]))), incoming, "work")
    assert again.placed == ("single.txt.1",)
    assert (incoming / "work" / "single.txt").read_bytes() == b"edited by the user\n"


def test_planted_symlink_does_not_redirect_the_write(dirs, tmp_path):
    src, incoming = dirs
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious\n")
    (incoming / "work").mkdir()
    (incoming / "work" / "single.txt").symlink_to(victim)
    (incoming / "work" / "docs").symlink_to(tmp_path)
    got = receive(send([src / "single.txt", src / "docs"]), incoming, "work")
    assert got.placed == ("single.txt.1", "docs.1")
    assert victim.read_bytes() == b"precious\n"
    assert sorted(os.listdir(tmp_path)) == ["incoming", "src", "victim"]


def test_source_directory_that_is_a_symlink_is_refused(dirs, tmp_path):
    src, incoming = dirs
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (incoming / "work").symlink_to(elsewhere)
    with pytest.raises(FileCopyError, match="failed"):
        receive(send([src / "single.txt"]), incoming, "work")
    assert list(elsewhere.iterdir()) == []


def test_interrupted_transfer_leaves_nothing(dirs):
    src, incoming = dirs

    def cut(limit):
        sent = 0
        for chunk in send([src / "docs"]):
            if sent + len(chunk) > limit:
                raise KeyboardInterrupt  # the sender vanished (any exception, even this one)
            sent += len(chunk)
            yield chunk

    with pytest.raises(KeyboardInterrupt):
        receive(cut(100_000), incoming, "work")
    assert os.listdir(incoming / "work") == []
    data = b"".join(send([src / "docs"]))
    with pytest.raises(FileCopyError, match="ended"):
        receive(io.BytesIO(data[:100_000]), incoming, "work")
    assert os.listdir(incoming / "work") == []


def test_limits_apply_to_real_transfers(dirs):
    src, incoming = dirs
    for limits, message in [
        (Limits(max_file_bytes=100_000), "over the limit of 100000"),
        (Limits(max_total_bytes=150_000), "transfer over the limit"),
        (Limits(max_entries=3), "more than 3 entries"),
        (Limits(max_depth=2), "deeper than 2"),
    ]:
        with pytest.raises(FileCopyError, match=message):
            receive(send([src / "docs"]), incoming, "work", limits)
        assert os.listdir(incoming / "work") == []


def test_sender_refuses_what_the_receiver_would(tmp_path):
    (tmp_path / "link").symlink_to("/etc/passwd")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "bad\x1bname").write_bytes(b"")
    for path in ("link", "fifo", "dir"):
        with pytest.raises(FileCopyError):
            b"".join(send([tmp_path / path]))
    with pytest.raises(FileCopyError, match="no name"):
        b"".join(send(["/"]))


@pytest.mark.parametrize("name", ["", "../x", "a/b", "1work", "w" * 32, None])
def test_bad_source_names_are_refused(tmp_path, name):
    with pytest.raises(FileCopyError, match="source domain name"):
        receive(iter([]), tmp_path, name)
    assert list(tmp_path.iterdir()) == []
