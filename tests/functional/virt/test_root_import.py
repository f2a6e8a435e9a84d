"""A template's root follows its image file; a standalone's never does (libvirt test driver)."""

from __future__ import annotations

import hashlib

import pytest

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan.metadata import read_imports, with_imports
from saltext.bulkhead.virt import (
    connect,
    counting,
    domain_halted,
    domain_present,
    domain_running,
    source_digest,
)

from .test_virt_apply import apply_both, assert_settled
from .virt_fixtures import node_file

VOL = "tpl-root.raw"


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setattr(source_digest, "CACHE_PATH", tmp_path / "digests.json")
    image = tmp_path / "root.img"
    image.write_bytes(b"first build\n" * 1000)
    img = {"kind": "kernel", "root": str(image), "kernel": str(tmp_path / "vmlinuz"),
           "initrd": str(tmp_path / "initrd.img")}
    pillar = load_pillar({
        "host": {"workstation": "test-root-import", "pool": "bhpool",
                 "pool_path": str(tmp_path / "pool"), "domain_type": "auto"},
        "domains": {
            "tpl": {"class": "template", "image": img, "netvm": "none"},
            "work": {"class": "app", "template": "tpl", "netvm": "none"},
            "solo": {"class": "standalone", "image": img, "netvm": "none"},
        },
    })
    with connect(node_file(tmp_path)) as raw:
        conn, log = counting(raw)
        yield conn, log, pillar, image


def recorded(conn, name: str) -> dict[str, str]:
    return read_imports(conn.lookupByName(name).XMLDesc(2))


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rebuild(image) -> None:
    image.write_bytes(b"second build\n" * 1000)


def test_template_root_is_reimported_when_its_image_changes(env) -> None:
    conn, log, pillar, image = env
    apply_both(domain_present, conn, log, pillar, "tpl")
    assert recorded(conn, "tpl") == {VOL: sha(image)}
    assert_settled(domain_present, conn, log, pillar, "tpl")
    old = sha(image)
    rebuild(image)
    out = apply_both(domain_present, conn, log, pillar, "tpl")
    assert out.changes["volumes"][VOL] == {
        "old": f"image sha256 {old[:12]}",
        "new": f"re-imported from {image} (sha256 {sha(image)[:12]})",
    }
    assert out.changes["domain"] == [f"imported image: {VOL} {old[:12]} -> {sha(image)[:12]}"]
    assert "restart_required" not in out.changes
    assert recorded(conn, "tpl") == {VOL: sha(image)}
    assert_settled(domain_present, conn, log, pillar, "tpl")


def test_reimport_waits_until_the_template_is_shut_off(env) -> None:
    conn, log, pillar, image = env
    apply_both(domain_running, conn, log, pillar, "tpl")
    old = sha(image)
    rebuild(image)
    for fn in (domain_present, domain_running):
        log.clear()
        out = fn(conn, pillar, "tpl", test=False)
        assert (out.result, out.changes, log.mutating) == (True, {}, [])
        assert "re-import pending until tpl is shut off" in out.comment
        assert f"holds {old[:12]}" in out.comment
    assert recorded(conn, "tpl") == {VOL: old}
    # halted shuts the template down first, then re-imports in the same run
    out = apply_both(domain_halted, conn, log, pillar, "tpl", timeout=2)
    assert out.changes["state"] == {"old": "running", "new": "shutoff"}
    assert VOL in out.changes["volumes"]
    assert recorded(conn, "tpl") == {VOL: sha(image)}
    assert_settled(domain_halted, conn, log, pillar, "tpl")


def test_apps_get_an_overlay_over_the_new_root_at_their_next_start(env) -> None:
    conn, log, pillar, image = env
    apply_both(domain_present, conn, log, pillar, "tpl")
    apply_both(domain_present, conn, log, pillar, "work")
    rebuild(image)
    apply_both(domain_present, conn, log, pillar, "tpl")
    log.clear()
    out = domain_running(conn, pillar, "work")
    assert out.changes["volumes"] == {"work-root.qcow2": f"recreated over {VOL}"}
    assert log.calls.index("storagevol.delete") < log.calls.index("storagepool.createXML")


def test_standalone_root_is_never_reimported(env) -> None:
    conn, log, pillar, image = env
    apply_both(domain_present, conn, log, pillar, "solo")
    first = sha(image)
    assert recorded(conn, "solo") == {"solo-root.raw": first}
    rebuild(image)
    assert_settled(domain_present, conn, log, pillar, "solo")
    assert recorded(conn, "solo") == {"solo-root.raw": first}


class RecordingDefines:
    """The connection, noting the import records of every definition passed to libvirt."""

    def __init__(self, conn) -> None:
        self._conn = conn
        self.defined: list[dict[str, str]] = []

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def defineXML(self, xml):  # noqa: N802 - libvirt's name
        self.defined.append(read_imports(xml))
        return self._conn.defineXML(xml)


def test_record_is_cleared_before_the_volume_is_replaced(env) -> None:
    conn, log, pillar, image = env
    apply_both(domain_present, conn, log, pillar, "tpl")
    rebuild(image)
    log.clear()
    recording = RecordingDefines(conn)
    assert domain_present(recording, pillar, "tpl").result is True
    calls = [
        c
        for c in log.mutating
        if c in ("connect.defineXML", "storagevol.delete", "storagepool.createXML")
    ]
    assert calls == [
        "connect.defineXML",
        "storagevol.delete",
        "storagepool.createXML",
        "connect.defineXML",
    ]
    assert recording.defined == [{}, {VOL: sha(image)}]


def test_an_import_cut_short_is_redone_even_if_the_image_is_unchanged(env) -> None:
    conn, log, pillar, image = env
    apply_both(domain_present, conn, log, pillar, "tpl")
    # What an import interrupted after its first step leaves: a definition vouching for nothing.
    xml = conn.lookupByName("tpl").XMLDesc(2)
    conn.defineXML(with_imports(xml, {}))
    out = apply_both(domain_present, conn, log, pillar, "tpl")
    assert out.changes["volumes"][VOL]["old"] == "image sha256 unknown"
    assert recorded(conn, "tpl") == {VOL: sha(image)}
    assert_settled(domain_present, conn, log, pillar, "tpl")


def test_unreadable_image_keeps_the_imported_root(env) -> None:
    conn, log, pillar, image = env
    apply_both(domain_present, conn, log, pillar, "tpl")
    image.unlink()
    log.clear()
    out = domain_present(conn, pillar, "tpl")
    assert (out.result, out.changes, log.mutating) == (True, {}, [])
    assert f"Cannot read {image}" in out.comment


@pytest.mark.parametrize("test", [True, False])
def test_a_missing_image_file_is_named_in_test_mode_too(env, test) -> None:
    conn, _log, pillar, image = env
    image.unlink()
    out = domain_present(conn, pillar, "tpl", test=test)
    assert out.result is False and f"image file {image} is missing" in out.comment, out.comment
    assert "would" not in out.comment
    assert "tpl" not in [d.name() for d in conn.listAllDomains()]
