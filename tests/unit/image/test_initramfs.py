"""The initramfs archive: newc round trip and the members the guest's early boot relies on."""

import gzip
import stat

import pytest

from saltext.bulkhead.image.cpio_newc import Entry, read_newc, write_newc
from saltext.bulkhead.image.initramfs import initramfs_entries, write_initramfs

MODULES = ["kernel/drivers/virtio/virtio_ring.ko", "kernel/drivers/virtio/virtio.ko",
           "kernel/fs/ext4/ext4.ko"]


@pytest.fixture
def modules_root(tmp_path):
    root = tmp_path / "mods"
    for rel in MODULES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"\x7fELF module " + rel.encode())
    return root


def test_newc_round_trip_keeps_names_modes_data_and_devices():
    entries = [Entry.directory("bin"), Entry.file("bin/x", b"abc", 0o755),
               Entry.symlink("bin/sh", "x"), Entry.char_device("console", 5, 1),
               Entry.file("odd", b"12345")]
    back = {e.name: e for e in read_newc(write_newc(entries))}
    assert back["bin/x"].data == b"abc" and back["bin/x"].mode == stat.S_IFREG | 0o755
    assert stat.S_ISLNK(back["bin/sh"].mode) and back["bin/sh"].data == b"x"
    assert (back["console"].rdev_major, back["console"].rdev_minor) == (5, 1)
    assert back["odd"].data == b"12345"
    assert list(back) == sorted(back)  # parents precede children


def test_newc_refuses_absolute_traversing_and_duplicate_names():
    with pytest.raises(ValueError):
        write_newc([Entry.file("/etc/passwd", b"")])
    with pytest.raises(ValueError):
        write_newc([Entry.file("a/../../x", b"")])
    with pytest.raises(ValueError):
        write_newc([Entry.file("a", b""), Entry.file("a", b"")])


def test_read_newc_rejects_garbage_and_truncation():
    with pytest.raises(ValueError):
        read_newc(b"not a cpio archive at all" * 10)
    blob = write_newc([Entry.file("a", b"x" * 100)])
    with pytest.raises(ValueError):
        read_newc(blob[:150])


def test_initramfs_contents(tmp_path, modules_root):
    target = tmp_path / "initrd.img"
    write_initramfs(target, initramfs_entries(b"BUSYBOX", b"#!/bin/sh\n", modules_root, MODULES))
    members = {e.name: e for e in read_newc(gzip.decompress(target.read_bytes()))}
    assert members["init"].data == b"#!/bin/sh\n" and members["init"].mode & 0o111
    assert members["bin/busybox"].data == b"BUSYBOX"
    for applet in ("sh", "insmod", "mount", "switch_root"):
        assert members[f"bin/{applet}"].data == b"busybox"
    assert stat.S_ISCHR(members["dev/console"].mode)
    for rel in MODULES:
        assert members[f"lib/modules/{rel}"].data == (modules_root / rel).read_bytes()
    assert members["lib/modules/load-order"].data.decode().split() == MODULES
    for directory in ("proc", "sys", "newroot", "lib/modules/kernel/fs/ext4"):
        assert stat.S_ISDIR(members[directory].mode)


def test_initramfs_is_reproducible(tmp_path, modules_root):
    entries = initramfs_entries(b"BB", b"init", modules_root, MODULES)
    write_initramfs(tmp_path / "a", entries)
    write_initramfs(tmp_path / "b", list(reversed(entries)))
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()
