"""The machine's minion id (the host's own workstation) is read as ``Path.read_text`` read it:
the same text for any content (newlines, blanks, a large file), the id Salt would choose when
there is none, and the same error for a file that is not UTF-8."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from salt.utils.network import generate_minion_id

from saltext.bulkhead.model import workstation
from saltext.bulkhead.model.workstation import local_minion_id


def _as_pathlib_reads_it(path: Path) -> str:
    try:
        stored = path.read_text(encoding="utf-8").strip()
    except OSError:
        stored = ""
    return stored or generate_minion_id()


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


def test_no_stored_id_is_the_one_salt_chooses(tmp_path: Path) -> None:
    # Salt never names a minion after localhost: a masterless run whose configuration names no
    # id gets Salt's choice, and a host whose FQDN is localhost is no exception.
    assert local_minion_id(tmp_path / "absent") == generate_minion_id()
    assert local_minion_id(tmp_path) == generate_minion_id()  # a directory: no id either
    assert not local_minion_id(tmp_path / "absent").startswith("localhost")


def test_salts_choice_is_made_once_per_process(tmp_path: Path, monkeypatch) -> None:
    workstation.salt_chosen_id.cache_clear()
    asked: list[str] = []
    monkeypatch.setattr(workstation, "salt_choice", lambda: asked.append("asked") or "ws-chosen")
    try:
        assert local_minion_id(tmp_path / "absent") == local_minion_id(tmp_path) == "ws-chosen"
        assert asked == ["asked"]
    finally:
        workstation.salt_chosen_id.cache_clear()


def test_an_id_that_is_not_utf8_fails_as_before(tmp_path: Path) -> None:
    path = tmp_path / "minion_id"
    path.write_bytes(b"ws-\xff\n")
    with pytest.raises(UnicodeDecodeError):
        path.read_text(encoding="utf-8")
    with pytest.raises(UnicodeDecodeError):
        local_minion_id(path)


NAMES = st.one_of(
    st.sampled_from(["", "localhost", "localhost.localdomain", "ip6-localhost", "ipv6-loopback",
                     "127.0.0.1", "127.1foo", "0.0.0.0", "::1", "fe00::0", "10.0.0.7",
                     "1.0.0.127.in-addr.arpa", "vm", "ws-alice.example.org", "LOCALHOST"]),
    st.from_regex(r"\A[a-z0-9][a-z0-9.:-]{0,20}\Z"),
)


@given(fqdn=NAMES, node=NAMES, hostname=NAMES)
def test_the_choice_is_salts_for_any_names(fqdn, node, hostname) -> None:
    # The first three of Salt's candidates decide wherever they can; anything else is Salt's.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("socket.getfqdn", lambda *_: fqdn)
        patch.setattr("platform.node", lambda: node)
        patch.setattr("socket.gethostname", lambda: hostname)
        patch.setattr("salt.utils.network.ip_addrs", lambda *_, **__: [])
        assert workstation.salt_choice() == generate_minion_id()
