"""The compositor socket's ACL gains one user's read-write entry and keeps what it had."""

from __future__ import annotations

import os

import pytest

from saltext.bulkhead.gui.socket_access import USER, _current, can_connect, grant_connect


@pytest.fixture
def socket_file(tmp_path):
    path = tmp_path / "wayland-1"
    path.write_bytes(b"")
    path.chmod(0o755)
    try:
        grant_connect(str(path), 4242)
    except OSError as exc:
        pytest.skip(f"no POSIX ACLs on {tmp_path}: {exc}")
    return str(path)


def test_grant_gives_that_uid_rw_and_nobody_else(socket_file):
    assert can_connect(socket_file, 4242)
    assert not can_connect(socket_file, 4243)
    assert os.stat(socket_file).st_mode & 0o007 == 0o005  # others as before


def test_grant_twice_keeps_one_entry_and_others(socket_file):
    grant_connect(socket_file, 4243)
    grant_connect(socket_file, 4242)
    users = sorted(ident for tag, _, ident in _current(socket_file) if tag == USER)
    assert users == [4242, 4243]
