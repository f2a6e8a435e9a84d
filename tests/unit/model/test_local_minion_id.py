"""The machine's minion id (the host's own workstation) is read as ``Path.read_text`` read it:
the same text for any content (newlines, blanks, a large file), the host's name when there is
none, and the same error for a file that is not UTF-8."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saltext.bulkhead.model.workstation import local_minion_id


def _as_pathlib_reads_it(path: Path) -> str:
    try:
        stored = path.read_text(encoding="utf-8").strip()
    except OSError:
        stored = ""
    return stored or socket.getfqdn()


@given(st.text(alphabet=st.sampled_from("ab-.\r\n \t\u00e9")))
def test_any_text_reads_as_pathlib_reads_it(tmp_path_factory, text: str) -> None:
    path = tmp_path_factory.mktemp("id") / "minion_id"
    path.write_bytes(text.encode())
    assert local_minion_id(path) == _as_pathlib_reads_it(path)


@pytest.mark.parametrize("content", [
    b"ws-alice\n", b"  ws-bob \r\n", b"a\rb", b"a\r\nb\r", b"", b"\n\n", b"x" * 200_000 + b"\n",
], ids=["plain", "blanks-crlf", "cr", "mixed", "empty", "newlines", "large"])
def test_a_stored_id_reads_as_pathlib_reads_it(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "minion_id"
    path.write_bytes(content)
    assert local_minion_id(path) == _as_pathlib_reads_it(path)


def test_no_stored_id_is_the_hosts_name(tmp_path: Path) -> None:
    assert local_minion_id(tmp_path / "absent") == socket.getfqdn()
    assert local_minion_id(tmp_path) == socket.getfqdn()  # a directory: no id either


def test_an_id_that_is_not_utf8_fails_as_before(tmp_path: Path) -> None:
    path = tmp_path / "minion_id"
    path.write_bytes(b"ws-\xff\n")
    with pytest.raises(UnicodeDecodeError):
        path.read_text(encoding="utf-8")
    with pytest.raises(UnicodeDecodeError):
        local_minion_id(path)
