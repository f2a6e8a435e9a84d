"""The machine's minion id (the host's own workstation) is the one Salt gives this machine's
minion: Salt itself is the reference. A configured ``id`` (main file, minion.d/, include) wins
over the stored minion_id, which wins over the id Salt would choose; a stored id is read as
Salt reads it; a configuration Salt could not read is an error naming its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
import salt.config
from hypothesis import given, settings
from hypothesis import strategies as st
from salt.utils.network import generate_minion_id

from saltext.bulkhead.model import PillarError, load_pillar, minion_config, workstation
from saltext.bulkhead.model.minion_config import MinionConfigError, minion_id_config
from saltext.bulkhead.model.workstation import local_minion_id


def _salt_stored(root: Path) -> str:
    """What Salt makes of ``root``'s stored id with nothing configured."""
    return salt.config.get_id({"root_dir": str(root), "minion_id_caching": True})[0]


def _stored_at(root: Path, content: bytes) -> Path:
    path = root / "etc" / "salt" / "minion_id"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@settings(max_examples=50)
@given(st.text(alphabet=st.sampled_from("ab-.\r\n \t\u00e9")))
def test_any_stored_text_reads_as_salt_reads_it(tmp_path_factory, text: str) -> None:
    root = tmp_path_factory.mktemp("id")
    _stored_at(root, text.encode())
    assert local_minion_id(root / "etc/salt/minion_id", root / "absent") == _salt_stored(root)


@pytest.mark.parametrize("content", [
    b"ws-alice\n", b"  ws-bob \r\n", b"a\rb", b"a\r\nb\r", b"", b"\n\n", b"localhost\n",
    b"x" * 200_000 + b"\n",
], ids=["plain", "blanks-crlf", "cr", "mixed", "empty", "newlines", "localhost", "large"])
def test_a_stored_id_reads_as_salt_reads_it(tmp_path: Path, content: bytes) -> None:
    path = _stored_at(tmp_path, content)
    assert local_minion_id(path, tmp_path / "absent") == _salt_stored(tmp_path)


def test_a_stored_id_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = _stored_at(tmp_path, b"ws-\xff\n")
    with pytest.raises(UnicodeDecodeError):
        local_minion_id(path, tmp_path / "absent")


def test_no_stored_id_is_the_one_salt_chooses(tmp_path: Path) -> None:
    # Salt never names a minion after localhost: a masterless run whose configuration names no
    # id gets Salt's choice, and a host whose FQDN is localhost is no exception.
    absent = tmp_path / "absent"
    assert local_minion_id(absent, absent) == generate_minion_id()
    assert local_minion_id(tmp_path, absent) == generate_minion_id()  # a directory: no id either
    assert not local_minion_id(absent, absent).startswith("localhost")


def test_salts_choice_is_made_once_per_process(tmp_path: Path, monkeypatch) -> None:
    workstation.salt_chosen_id.cache_clear()
    asked: list[str] = []
    monkeypatch.setattr(workstation, "salt_choice", lambda: asked.append("asked") or "ws-chosen")
    absent = tmp_path / "absent"
    try:
        assert local_minion_id(absent, absent) == local_minion_id(tmp_path, absent) == "ws-chosen"
        assert asked == ["asked"]
    finally:
        workstation.salt_chosen_id.cache_clear()


CONFIGS = {  # file (relative to the configuration's directory) -> text; ROOT is its root_dir
    "main": {"minion": "root_dir: ROOT\nid: ws-main\n"},
    "numeric": {"minion": "root_dir: ROOT\nid: 42\n"},
    "minion.d": {"minion": "root_dir: ROOT\nid: ws-main\n",
                 "minion.d/10-a.conf": "id: ws-a\n", "minion.d/20-b.conf": "id: ws-b\n"},
    "default_include": {"minion": "root_dir: ROOT\nid: ws-main\ndefault_include: conf/*.yml\n",
                        "conf/x.yml": "id: ws-x\n", "minion.d/a.conf": "id: ws-not-read\n"},
    "include": {"minion": "root_dir: ROOT\ninclude: [extra.conf]\nid: ws-main\n",
                "extra.conf": "id: ws-extra\n", "minion.d/a.conf": "id: ws-a\n"},
    "nested": {"minion": "root_dir: ROOT\n", "minion.d/a.conf": "include: deeper.conf\nid: ws-a\n",
               "minion.d/deeper.conf": "id: ws-deeper\n"},
    "include in minion.d": {"minion": "root_dir: ROOT\n",
                            "minion.d/a.conf": "include: ../x.conf\nid: ws-a\n",
                            "x.conf": "id: ws-x\n"},
    "stored": {"minion": "root_dir: ROOT\n# id: not this\n", "etc/salt/minion_id": "ws-stored\n"},
    "null id": {"minion": "root_dir: ROOT\nid:\n", "etc/salt/minion_id": "ws-stored\n"},
    "empty id": {"minion": 'root_dir: ROOT\nid: ""\n', "etc/salt/minion_id": "ws-stored\n"},
    "over stored": {"minion": "root_dir: ROOT\nid: ws-main\n", "etc/salt/minion_id": "ws-old\n"},
    "no caching": {"minion": "root_dir: ROOT\nminion_id_caching: false\n",
                   "etc/salt/minion_id": "ws-stored\n"},
    "comments only": {"minion": "# a commented configuration\n#id: x\n" * 50 + "root_dir: ROOT\n"},
}


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("ROOT", str(root)))
    return root / "minion"


@pytest.mark.parametrize("name", CONFIGS)
def test_the_id_is_the_one_salts_reader_gives(tmp_path: Path, name: str) -> None:
    config = _write(tmp_path, CONFIGS[name])
    assert local_minion_id(config=config) == salt.config.minion_config(str(config))["id"]


def test_a_configuration_changed_or_added_to_is_read_again(tmp_path: Path, monkeypatch) -> None:
    config = _write(tmp_path, {"minion": "root_dir: ROOT\nid: ws-one\n"})
    loads: list[bytes] = []
    real = minion_config.yaml.load
    monkeypatch.setattr(minion_config.yaml, "load", lambda text, **k: loads.append(text)
                        or real(text, **k))
    assert [local_minion_id(config=config) for _ in range(3)] == ["ws-one"] * 3
    assert len(loads) == 1  # kept while nothing read changed
    config.write_text(f"root_dir: {tmp_path}\nid: ws-two-longer\n")
    assert local_minion_id(config=config) == "ws-two-longer"
    _write(tmp_path, {"minion.d/a.conf": "id: ws-three\n"})
    assert local_minion_id(config=config) == "ws-three"
    (tmp_path / "minion.d" / "a.conf").unlink()
    assert local_minion_id(config=config) == "ws-two-longer"


@pytest.mark.parametrize(("text", "where"), [
    ("root_dir: /x\nid: [unclosed\n", ":3"), ("id: a: b\n", ":1"), ("- a list\n", ""),
])
def test_a_configuration_salt_cannot_read_is_an_error_naming_it(tmp_path: Path, text: str,
                                                                  where: str) -> None:
    config = tmp_path / "minion"
    config.write_text(text)
    with pytest.raises(MinionConfigError, match=f"^{config}{where}: "):
        minion_id_config(config)


def test_a_pillar_says_so_when_the_machines_id_cannot_be_read(monkeypatch) -> None:
    def unreadable(*_a, **_k):
        raise MinionConfigError("/etc/salt/minion:3: not YAML Salt can read: oops")
    monkeypatch.setattr("saltext.bulkhead.model.load.local_minion_id", unreadable)
    with pytest.raises(PillarError) as err:
        load_pillar({"host": {"workstation": "ws-alice"}})
    assert "bulkhead:host:workstation: this machine's minion id cannot be read" in str(err.value)
    assert "/etc/salt/minion:3: not YAML Salt can read: oops" in str(err.value)


def test_a_file_that_includes_itself_is_read_once(tmp_path: Path) -> None:
    # Salt would recurse until it fails; the id is still the one the file names.
    config = _write(tmp_path, {"minion": "root_dir: ROOT\n",
                               "minion.d/a.conf": "include: a.conf\nid: ws-a\n"})
    assert local_minion_id(config=config) == "ws-a"
