"""The one atomic write: whole content, mode and owner, no temporary left, no symlink followed."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead import atomic_file
from saltext.bulkhead.atomic_file import fsync_directory, write_atomically

PACKAGE_ROOT = Path(atomic_file.__file__).parents[2]


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o644])
def test_content_and_mode_whatever_the_umask(tmp_path, mode):
    path = tmp_path / "etc" / "bulkhead" / "memd.json"
    old_umask = os.umask(0o077 if mode == 0o644 else 0)
    try:
        write_atomically(path, b"old\n", mode=0o666)
        write_atomically(path, b"new\n", mode=mode)
    finally:
        os.umask(old_umask)
    assert path.read_bytes() == b"new\n"
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert os.listdir(path.parent) == ["memd.json"]  # no temporary file left


def test_missing_parents_get_the_directory_mode(tmp_path):
    write_atomically(tmp_path / "firewall" / "net.json", b"{}\n", dir_mode=0o700)
    assert stat.S_IMODE((tmp_path / "firewall").stat().st_mode) == 0o700


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file away needs root")
def test_owner_is_set(tmp_path):
    path = tmp_path / "owned"
    write_atomically(path, b"x", owner=(65534, 65533))
    assert (path.stat().st_uid, path.stat().st_gid) == (65534, 65533)


_CUT_SHORT = """
import resource, sys
from pathlib import Path
from saltext.bulkhead.atomic_file import write_atomically
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))  # the file may not grow past 4 KiB
try:
    write_atomically(Path(sys.argv[1]), b"n" * 100_000)
except OSError as exc:
    print(exc.errno)
"""


def test_a_failure_mid_write_leaves_the_old_file_and_no_temporary(tmp_path):
    # The write stops after 4 KiB (EFBIG, as on a full disk): the old file must stay whole,
    # not be replaced by the 4 KiB that did get written.
    path = tmp_path / "broker.pid"
    write_atomically(path, b"old\n")
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)}
    done = subprocess.run([sys.executable, "-c", _CUT_SHORT, str(path)], capture_output=True,
                          text=True, check=True, env=env)
    assert done.stdout.strip() == "27"  # EFBIG
    assert path.read_bytes() == b"old\n"
    assert os.listdir(tmp_path) == ["broker.pid"]


def test_a_refused_owner_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "unit.service"
    write_atomically(path, b"old\n")
    with pytest.raises(OverflowError):  # raised once the temporary file exists
        write_atomically(path, b"new\n", owner=(-2, -2))  # not an id
    assert path.read_bytes() == b"old\n"
    assert os.listdir(tmp_path) == ["unit.service"]


def test_a_symlink_planted_at_a_temporary_name_is_never_followed(tmp_path, monkeypatch):
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious\n")
    target = tmp_path / "d" / "record.json"
    target.parent.mkdir()
    # Names a fixed-name routine would use, and the very name the writer is about to pick.
    guessed = ".record.json.guessed.tmp"
    for planted in (".record.json.new", ".record.json.tmp", "record.tmp", guessed):
        (target.parent / planted).symlink_to(victim)
    names = iter([".record.json.guessed.tmp", ".record.json.fresh.tmp"])
    monkeypatch.setattr(atomic_file, "temp_name", lambda name: next(names))
    write_atomically(target, b"new\n")
    assert victim.read_bytes() == b"precious\n"
    assert target.read_bytes() == b"new\n" and not target.is_symlink()
    assert os.readlink(target.parent / ".record.json.guessed.tmp") == str(victim)  # left alone


def test_a_writer_that_finds_every_name_taken_gives_up_without_writing(tmp_path, monkeypatch):
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious\n")
    (tmp_path / ".x.tmp").symlink_to(victim)
    monkeypatch.setattr(atomic_file, "temp_name", lambda name: ".x.tmp")
    with pytest.raises(FileExistsError):
        write_atomically(tmp_path / "x", b"new\n")
    assert victim.read_bytes() == b"precious\n" and not (tmp_path / "x").exists()


def test_a_symlink_at_the_parent_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "run").symlink_to(elsewhere)
    with pytest.raises(OSError):
        write_atomically(tmp_path / "run" / "memd.pid", b"1\n")
    assert os.listdir(elsewhere) == []


def test_a_symlink_at_the_destination_is_replaced_not_written_through(tmp_path):
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious\n")
    (tmp_path / "memd.pid").symlink_to(victim)
    write_atomically(tmp_path / "memd.pid", b"1\n")
    assert victim.read_bytes() == b"precious\n"
    pidfile = tmp_path / "memd.pid"
    assert not pidfile.is_symlink() and pidfile.read_bytes() == b"1\n"


def test_fsync_directory_refuses_a_symlink(tmp_path):
    (tmp_path / "link").symlink_to(tmp_path)
    fsync_directory(tmp_path)
    with pytest.raises(OSError):
        fsync_directory(tmp_path / "link")


@settings(max_examples=15, deadline=None)
@given(patterns=st.lists(st.binary(min_size=1, max_size=32), min_size=2, max_size=4, unique=True),
       size=st.integers(1, 300_000))
def test_concurrent_writers_never_produce_a_torn_file(patterns, size):
    # Large contents, so that each write takes several system calls that can interleave.
    contents = [(p * (size // len(p) + 1))[: size + i] for i, p in enumerate(patterns)]
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "shared.json"
        write_atomically(path, contents[0])
        seen: list[bytes] = []
        writers = [threading.Thread(target=_write_many, args=(path, c)) for c in contents]
        for writer in writers:
            writer.start()
        while any(w.is_alive() for w in writers):
            seen.append(path.read_bytes())
        for writer in writers:
            writer.join()
        seen.append(path.read_bytes())
        assert all(s in contents for s in seen)
        assert os.listdir(scratch) == ["shared.json"]


def _write_many(path: Path, content: bytes) -> None:
    for _ in range(5):
        write_atomically(path, content)
