"""Staging directories: a killed receiver's is removed by the next receiver, a live one never."""

from __future__ import annotations

import io
import os
import re
import threading
import time
from pathlib import Path

from saltext.bulkhead.filecopy import receive
from saltext.bulkhead.image.python_closure import GUEST_MODULES

from .helpers import d, f, stream, tree

STAGING_NAME = re.compile(r"\.incoming-[0-9a-f]{16}")  # what the receiver names its staging dirs
PACKAGE = Path(__file__).resolve().parents[3] / "modules/saltext/bulkhead/filecopy"


def staging(folder: Path) -> list[str]:
    return [n for n in os.listdir(folder) if STAGING_NAME.fullmatch(n)]


def staged(folder: Path, name: str) -> bool:
    return folder.exists() and any((folder / s / name).exists() for s in staging(folder))


def test_what_a_killed_receiver_left_is_removed_by_the_next(tmp_path):
    work = tmp_path / "work"
    # as a receiver killed mid-transfer leaves it
    (work / ".incoming-00000000000000aa" / "half" / "deep").mkdir(parents=True)
    (work / ".incoming-00000000000000aa" / "half" / "deep" / "f").write_bytes(b"x" * 1000)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_bytes(b"keep")
    (work / ".incoming-00000000000000bb").symlink_to(outside)  # not a directory of ours
    (work / ".incoming-user").mkdir()  # not our pattern
    got = receive(io.BytesIO(stream(f("new"))), tmp_path, "work")
    assert got.placed == ("new",)
    assert sorted(os.listdir(work)) == [".incoming-00000000000000bb", ".incoming-user", "new"]
    assert tree(outside) == {"keep": b"keep"}


def test_a_live_transfer_is_never_taken_for_stale(tmp_path):
    read_fd, write_fd = os.pipe()
    results: list = []
    with os.fdopen(read_fd, "rb") as first_stream:
        def first() -> None:
            results.append(receive(first_stream, tmp_path, "work"))

        thread = threading.Thread(target=first)
        thread.start()
        data = stream(d("slow"), f("slow/part", b"p" * 10))
        os.write(write_fd, data[:-20])
        deadline = time.monotonic() + 60  # only against a hang: it waits for the staged directory
        while not staged(tmp_path / "work", "slow"):
            assert time.monotonic() < deadline and thread.is_alive()
            time.sleep(0.01)
        live = staging(tmp_path / "work")
        assert receive(io.BytesIO(stream(f("quick"))), tmp_path, "work").placed == ("quick",)
        assert staging(tmp_path / "work") == live  # the second receiver left it alone
        os.write(write_fd, data[-20:])
        os.close(write_fd)
        thread.join()
    assert results[0].placed == ("slow",)
    assert tree(tmp_path / "work") == {"quick": b"x", "slow": "dir", "slow/part": b"p" * 10}


def test_every_module_of_the_package_goes_into_the_guest_image():
    modules = {f"filecopy/{p.name}" for p in PACKAGE.glob("*.py")}
    assert modules <= set(GUEST_MODULES)
