"""tcb/dac.py opens a file with exactly a QEMU's credentials: a volume handed to QEMU's user
opens, one left to root (a stopped domain's, after dynamic ownership) does not."""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
from pathlib import Path

import pytest

from saltext.bulkhead.tcb.dac import opens_as

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="changing credentials needs root")


def qemu_ids() -> tuple[int, int]:
    try:
        entry = pwd.getpwnam("libvirt-qemu")
    except KeyError:
        pytest.skip("no libvirt-qemu user on this host")
    return entry.pw_uid, entry.pw_gid


@pytest.fixture
def folder():
    """A pool-like directory every user may traverse (pytest's tmp_path is root's only)."""
    path = Path(tempfile.mkdtemp(prefix="bulkhead-tcb-dac-", dir="/tmp"))
    path.chmod(0o711)
    yield path
    shutil.rmtree(path)


def test_only_the_volume_handed_to_qemus_user_opens(folder):
    uid, gid = qemu_ids()
    own, other = folder / "running.img", folder / "stopped.img"
    for path in (own, other):
        path.write_bytes(b"\0" * 512)
        path.chmod(0o600)
    os.chown(own, uid, gid)  # what dynamic_ownership does while its domain runs
    assert opens_as(own, uid, gid)
    assert not opens_as(other, uid, gid)  # root:root 0600, as after the domain stopped
    assert opens_as(other, 0, 0)  # the probe itself works: root opens it
