"""What installing the pillar's policy files would change: the files to write and to remove.

Read-only: nothing here touches the directory. A file is *ours* when its first line is HEADER;
ours and no longer wanted means removed, anything else in the directory is the admin's and is
left alone (it stays part of the policy, and the whole result is validated before installing).
"""

from __future__ import annotations

import difflib
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

HEADER = (
    "# Managed by bulkhead (Salt pillar bulkhead:policy:files). Local changes are overwritten.\n"
)
MANAGED_NAME = re.compile(r"[0-9A-Za-z_.-]+\.policy")
MAX_READ = 16 * 1024 * 1024 + 1  # the engine refuses larger files anyway


def check_name(name: str) -> None:
    """Names are re-checked here because the library can be called without the pillar model."""
    if not MANAGED_NAME.fullmatch(name) or name.startswith("."):
        raise ValueError(
            f"invalid policy file name {name!r} (letters, digits, _ . -, ending in .policy)"
        )


def with_header(body: str) -> bytes:
    return (HEADER + body).encode("utf-8", "surrogateescape")


def _regular_bytes(path: Path) -> bytes | None:
    """The file's bytes if it is a regular file (not through a symlink), else None."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        with open(path, "rb") as handle:
            return handle.read(MAX_READ)
    except FileNotFoundError:
        return None


def is_ours(data: bytes | None) -> bool:
    return data is not None and data.startswith(HEADER.encode())


@dataclass(frozen=True)
class FileChanges:
    directory: Path
    write: dict[str, bytes]  # name -> complete new content (header included)
    remove: tuple[str, ...]
    diffs: dict[str, str]  # name -> unified diff of the change (written and removed files)

    @property
    def empty(self) -> bool:
        return not self.write and not self.remove

    def summary(self) -> dict[str, object]:
        """Salt's ``changes``: the diff of every file written, and the names removed."""
        out: dict[str, object] = {}
        if self.write:
            out["files"] = {name: self.diffs[name] for name in sorted(self.write)}
        if self.remove:
            out["removed"] = {name: self.diffs[name] for name in self.remove}
        return out


def _diff(path: Path, old: bytes | None, new: bytes | None) -> str:
    def lines(data: bytes | None) -> list[str]:
        return data.decode("utf-8", "replace").splitlines(keepends=True) if data else []

    before = str(path) if old is not None else "/dev/null"
    after = str(path) if new is not None else "/dev/null"
    return "".join(difflib.unified_diff(lines(old), lines(new), before, after))


def plan_changes(directory: str | os.PathLike[str], bodies: Mapping[str, str]) -> FileChanges:
    """Compare the directory with the wanted files (name -> body without header)."""
    root = Path(directory)
    write: dict[str, bytes] = {}
    diffs: dict[str, str] = {}
    for name, body in bodies.items():
        check_name(name)
        new = with_header(body)
        old = _regular_bytes(root / name)
        if old != new:
            write[name] = new
            diffs[name] = _diff(root / name, old, new)
    remove: list[str] = []
    existing = sorted(os.listdir(root), key=os.fsencode) if root.is_dir() else []
    for name in existing:
        if name in bodies or not MANAGED_NAME.fullmatch(name):
            continue
        old = _regular_bytes(root / name)
        if is_ours(old):
            remove.append(name)
            diffs[name] = _diff(root / name, old, None)
    return FileChanges(root, write, tuple(remove), diffs)
