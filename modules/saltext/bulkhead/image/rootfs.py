"""The root filesystem image: a directory tree turned into raw ext4 by ``mkfs.ext4 -d``.

Nothing is mounted on the host: mkfs copies the tree into the new filesystem itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterable
from pathlib import Path

GUEST_LIBDIR = "lib/x86_64-linux-gnu"
EMPTY_DIRS = ("proc", "sys", "dev", "run", "tmp", "rw", "etc", "root")


def install(src: Path, tree: Path, rel: str, mode: int = 0o644) -> None:
    """Copy ``src`` (following symlinks) to ``tree/rel`` with an explicit mode."""
    dest = tree / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    os.chmod(dest, mode)


def link_applets(tree: Path, applet_paths: Iterable[str], keep: Iterable[str]) -> None:
    """Point every busybox applet path (``bin/sh``, ``sbin/mke2fs``...) at /bin/busybox, except
    the paths in ``keep`` which the image provides itself (our /sbin/init)."""
    reserved = set(keep)
    for rel in applet_paths:
        rel = rel.strip("/")
        if not rel or rel in reserved or rel == "bin/busybox":
            continue
        dest = tree / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists() and not dest.is_symlink():
            dest.symlink_to("/bin/busybox")


def install_libraries(tree: Path, libraries: Iterable[Path], interpreter: Path | None) -> None:
    """Shared libraries go to the multiarch directory the Debian loader searches by default;
    the loader itself must also be at the path written into every executable (/lib64)."""
    for lib in libraries:
        install(lib, tree, f"{GUEST_LIBDIR}/{lib.name}", 0o755)
    if interpreter is not None:
        install(interpreter, tree, f"{GUEST_LIBDIR}/{interpreter.name}", 0o755)
        link = tree / "lib64" / interpreter.name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(f"/{GUEST_LIBDIR}/{interpreter.name}")


def make_skeleton(tree: Path) -> None:
    for rel in EMPTY_DIRS:
        (tree / rel).mkdir(parents=True, exist_ok=True)
    os.chmod(tree / "tmp", 0o1777)
    os.chmod(tree / "root", 0o700)


def make_ext4(tree: Path, image: Path, size_mib: int, fs_uuid: uuid.UUID, label: str,
              zeroed: bool = False) -> None:
    """Create a sparse raw image of ``size_mib`` holding ``tree`` as ext4. ``zeroed``: inode
    tables and journal are initialized now, not lazily by the guest kernel (which would write
    them into every overlay on the image)."""
    extended = "root_owner=0:0" + (",lazy_itable_init=0,lazy_journal_init=0" if zeroed else "")
    image.unlink(missing_ok=True)
    with image.open("wb") as handle:
        handle.truncate(size_mib << 20)
    proc = subprocess.run(
        ["mkfs.ext4", "-q", "-F", "-L", label, "-U", str(fs_uuid), "-E", extended,
         "-d", str(tree), str(image)],
        capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"mkfs.ext4 -d {tree} failed: {proc.stderr.strip()}")
