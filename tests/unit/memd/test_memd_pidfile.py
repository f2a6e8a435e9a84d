"""The pidfile: written whole, read strictly, and a pid trusted only while it is our daemon."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from saltext.bulkhead.memd.pidfile import (
    PidRecord,
    alive,
    is_memd,
    read_pidfile,
    remove_if_ours,
    write_pidfile,
)


def sleeper(*args: str) -> subprocess.Popen:
    """A process whose command line carries ``args``, once it shows them."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", *args])
    deadline = time.monotonic() + 10  # until exec: before it, /proc shows pytest's command line
    while args[0].encode() not in Path(f"/proc/{process.pid}/cmdline").read_bytes():
        assert time.monotonic() < deadline, "the child never ran its command"
        time.sleep(0.01)
    return process


def test_write_read_remove(tmp_path):
    path = tmp_path / "run" / "memd.pid"
    write_pidfile(path, 4242, "ab" * 32)
    assert read_pidfile(path) == PidRecord(4242, "ab" * 32)
    assert [p.name for p in path.parent.iterdir()] == ["memd.pid"]  # no staging file left
    remove_if_ours(path, 1)  # another daemon's file stays
    assert path.exists()
    remove_if_ours(path, 4242)
    assert not path.exists() and read_pidfile(path) is None


def test_anything_else_is_no_record(tmp_path):
    path = tmp_path / "memd.pid"
    for text in ("", "123\n", "abc\nxyz\n", "1\n2\n3\n", "-5\nd\n"):
        path.write_text(text)
        assert read_pidfile(path) is None, text


def test_a_live_process_that_is_not_our_daemon_is_not_trusted(tmp_path):
    config = tmp_path / "memd.json"
    assert alive(os.getpid()) and not is_memd(os.getpid(), config)
    # a process whose command line names the module but another config file
    other = sleeper("saltext.bulkhead.memd", str(tmp_path / "other.json"))
    try:
        assert alive(other.pid) and not is_memd(other.pid, config)
        assert is_memd(other.pid, tmp_path / "other.json")  # what the check does accept
    finally:
        other.kill()
        other.wait()
    assert not alive(other.pid)


def test_a_daemon_started_under_the_former_module_name_is_still_found(tmp_path):
    """A bulkhead-memd started before the daemon moved to memd/ is ours: the state restarts it
    (other arguments) instead of starting a second one beside it."""
    config = tmp_path / "memd.json"
    former = sleeper("saltext.bulkhead.memory", "--config", str(config))
    try:
        assert is_memd(former.pid, config)
    finally:
        former.kill()
        former.wait()
