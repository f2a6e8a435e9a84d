"""A compromised source guest against the qubes.Filecopy receiver in the target guest.

The receiver runs as the guest daemon runs it: a process whose stdin is a pipe carrying the
source's bytes, BULKHEAD_RPC_SOURCE naming the source, killed with SIGKILL (its process group)
when the host cancels the call. The source sends streams in the real wire format, built with the
wire encoder or crafted byte by byte. Whatever it sends, the target's incoming folder either
gains the whole transfer or stays exactly as it was, hidden staging directories included.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import saltext.bulkhead
from saltext.bulkhead.filecopy import send
from saltext.bulkhead.filecopy.wire import MAGIC, encode_end, encode_header
from tests.unit.filecopy.helpers import d, f, stream, tree

MODULES = str(Path(saltext.bulkhead.__file__).resolve().parents[2])  # the tree under test
SERVICE = ("import sys\nfrom saltext.bulkhead.guest.filecopy_service import main\n"
           "sys.exit(main(sys.argv[1]))")
SOURCE = "work"
STAGING_PREFIX = ".incoming-"


class Receiver:
    """One qubes.Filecopy call in the target: the service process and the pipe into it."""

    def __init__(self, incoming: Path):
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": MODULES, "BULKHEAD_RPC_SOURCE": SOURCE,
               "BULKHEAD_RPC_SERVICE": "qubes.Filecopy", "BULKHEAD_RPC_ARGUMENT": ""}
        self.process = subprocess.Popen([sys.executable, "-c", SERVICE, str(incoming)], env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        start_new_session=True)

    def send(self, data: bytes) -> None:
        """As the guest daemon feeds a service: what a service that stopped reading refuses is
        dropped."""
        assert self.process.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            self.process.stdin.write(data)
            self.process.stdin.flush()

    def finish(self) -> tuple[int, str]:
        """The source closes its end; the service's exit status and its one line of answer."""
        out, _ = self.process.communicate()
        return self.process.returncode, out.decode("utf-8", "replace")

    def kill(self) -> None:
        """What the guest daemon does to a cancelled call (guest/daemon.py: _kill)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.communicate()


def transfer(incoming: Path, data: bytes) -> tuple[int, str]:
    receiver = Receiver(incoming)
    receiver.send(data)
    return receiver.finish()


def staging_dirs(folder: Path) -> list[str]:
    return [name for name in os.listdir(folder) if name.startswith(STAGING_PREFIX)]


def wait_until_staged(folder: Path, name: str, receiver: Receiver) -> None:
    """Until the receiver has written part of ``name`` into its staging directory (the deadline
    only keeps a broken receiver from hanging the suite)."""
    deadline = time.monotonic() + 60
    while receiver.process.poll() is None and time.monotonic() < deadline:
        for staging in staging_dirs(folder):
            path = folder / staging / name
            if path.is_file() and path.stat().st_size > 0:
                return
        time.sleep(0.01)
    raise AssertionError(f"the receiver did not stage {name}")


@pytest.fixture
def folder(tmp_path):
    """The target's incoming root; the source's folder in it holds something of the user's."""
    (tmp_path / "incoming" / SOURCE).mkdir(parents=True)
    (tmp_path / "incoming" / SOURCE / "kept.txt").write_bytes(b"the user's\n")
    return tmp_path / "incoming"


def two_good_entries() -> list:
    return [f("one", b"first\n"), d("two"), f("two/inner", b"second\n")]


UNSAFE = {
    "C1 CSI": "report\x9b31m.pdf",
    "C1 NEL": "a\x85b",
    "DEL": "a\x7fb",
    "bidi override": "invoice\u202efdp.exe",
    "bidi isolate": "a\u2067b\u2069",
    "bidi mark": "a\u200fb",
    "zero-width space": "pass\u200bword.txt",
    "zero-width joiner": "a\u200db",
    "byte order mark": "\ufeffa",
    "no-break space": "a\u00a0b",
    "line separator": "a\u2028b",
    "combining mark": "e\u0301",
    "hangul filler": "a\u3164",
    "right-to-left letters": "\u05e9\u05dc\u05d5\u05dd",
}


@pytest.mark.parametrize("where", ["top", "nested"])
@pytest.mark.parametrize("name", list(UNSAFE.values()), ids=list(UNSAFE))
def test_unsafe_name_is_refused_and_nothing_is_left(folder, name, where):
    before = tree(folder)
    path = name if where == "top" else f"two/{name}"
    rc, answer = transfer(folder, stream(*two_good_entries(), f(path, b"payload")))
    assert (rc, answer.startswith("refused: ")) == (1, True), answer
    assert answer.isascii()  # the name is shown escaped
    assert tree(folder) == before


def test_name_that_is_not_utf8_is_refused_and_nothing_is_left(folder):
    before = tree(folder)
    raw = b"ok\xff\xfe"
    mode_size = (stat.S_IFREG | 0o644).to_bytes(4, "big") + bytes(8)
    bad = b"F" + len(raw).to_bytes(2, "big") + raw + mode_size
    good = stream(*two_good_entries())
    data = good[: -len(encode_end(3))] + bad + encode_end(4)
    rc, answer = transfer(folder, data)
    assert (rc, answer) == (1, "refused: path is not valid UTF-8\n")
    assert tree(folder) == before


def test_third_entry_with_no_free_name_leaves_the_folder_as_before(folder):
    # An earlier transfer of the same source put a name of 255 bytes there: no "name.1" fits.
    long_name = "L" * 255
    assert transfer(folder, stream(f(long_name)))[0] == 0
    before = tree(folder)
    rc, answer = transfer(folder, stream(*two_good_entries(), f(long_name, b"again")))
    assert (rc, answer.startswith("refused: ")) == (1, True), answer
    assert tree(folder) == before


def test_cut_or_killed_transfer_leaves_nothing_and_the_next_one_appears_whole(folder, tmp_path):
    before = tree(folder)
    big = b"x" * 300_000  # more than a pipe holds, so the cut falls inside this file
    head = stream(*two_good_entries(), f("three", big))[: -len(encode_end(4)) - 1000]

    cut = Receiver(folder)  # the source stops mid-file and closes its end
    cut.send(head)
    rc, answer = cut.finish()
    assert (rc, answer) == (1, "refused: stream ended in the middle of an entry\n")
    assert tree(folder) == before

    for _ in range(3):  # the host cancels the call (SIGKILL) mid-file, again and again
        killed = Receiver(folder)
        killed.send(head)
        wait_until_staged(folder / SOURCE, "three", killed)
        assert len(staging_dirs(folder / SOURCE)) == 1  # never more than the live one
        killed.kill()

    source = tmp_path / "src"
    (source / "dir").mkdir(parents=True)
    (source / "a é 日本 € Ω.txt").write_bytes(b"alpha\n")
    (source / "dir" / "b").write_bytes(b"beta\n")
    (source / "c").write_bytes(big)
    paths = [source / "a é 日本 € Ω.txt", source / "dir", source / "c"]
    rc, answer = transfer(folder, b"".join(send(paths)))
    assert (rc, answer) == (0, "received 4 entries, 300011 bytes: a é 日本 € Ω.txt, dir, c\n")
    arrived = {"a é 日本 € Ω.txt": b"alpha\n", "dir": "dir", "dir/b": b"beta\n", "c": big}
    assert tree(folder) == {**before, **{f"{SOURCE}/{k}": v for k, v in arrived.items()}}


def test_a_name_like_the_staging_directory_is_placed_beside_it_and_survives(folder):
    name = f"{STAGING_PREFIX}0123456789abcdef"
    header = encode_header(b"D", name, stat.S_IFDIR | 0o755, 0)
    rc, answer = transfer(folder, MAGIC + header + encode_end(1))
    assert (rc, answer) == (0, f"received 1 entries, 0 bytes: {name}.1\n")
    assert transfer(folder, stream(f("next")))[0] == 0  # starts by removing stale staging
    assert sorted(os.listdir(folder / SOURCE)) == [f"{name}.1", "kept.txt", "next"]
