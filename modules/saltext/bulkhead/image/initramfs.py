"""The initramfs: busybox, the kernel modules needed to reach the root disk, and a tiny init."""

from __future__ import annotations

import gzip
from pathlib import Path

from .cpio_newc import Entry, write_newc

# What the guest needs before its root filesystem exists. crc32c: ext4 metadata checksums.
INITRAMFS_MODULES = (
    "virtio_pci", "virtio_blk", "virtio_net", "virtio_console", "virtio_balloon",
    "ext4", "crc32c_generic",
)


def _parents(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def initramfs_entries(
    busybox: bytes, init_script: bytes, modules_root: Path, module_paths: list[str]
) -> list[Entry]:
    """Archive members: ``/init``, busybox with the applets init uses, the modules (paths relative
    to ``modules_root``, already in load order) and ``lib/modules/load-order`` listing them."""
    entries = {
        "bin/busybox": Entry.file("bin/busybox", busybox, 0o755),
        "init": Entry.file("init", init_script, 0o755),
        # The kernel opens /dev/console for init's stdio before anything could create it.
        "dev/console": Entry.char_device("dev/console", 5, 1),
        "lib/modules/load-order": Entry.file(
            "lib/modules/load-order", "".join(f"{p}\n" for p in module_paths).encode()
        ),
    }
    for applet in ("sh", "mount", "umount", "insmod", "mkdir", "sleep", "usleep", "switch_root",
                   "poweroff", "sync", "echo"):
        entries[f"bin/{applet}"] = Entry.symlink(f"bin/{applet}", "busybox")
    for rel in module_paths:
        name = f"lib/modules/{rel}"
        entries[name] = Entry.file(name, (modules_root / rel).read_bytes())
    for name in list(entries):
        for parent in _parents(name):
            entries.setdefault(parent, Entry.directory(parent))
    for directory in ("proc", "sys", "newroot"):
        entries[directory] = Entry.directory(directory)
    return list(entries.values())


def write_initramfs(target: Path, entries: list[Entry]) -> None:
    """gzip-compressed newc, with a zero gzip timestamp so equal inputs give equal bytes."""
    with (
        target.open("wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz,
    ):
        gz.write(write_newc(entries))
