"""Where policy files come from: a directory on disk, or a mapping of names to texts (tests,
generated policies, proposed changes checked before they are written)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

MAX_FILE_BYTES = 16 * 1024 * 1024


class FileError(Exception):
    """A file or directory that cannot be read (the message says why)."""


class DirectorySource:
    """Files under ``root``; names are relative to it ("" is the root itself)."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def shown(self, name: str) -> str:
        return f"{self.root}/{name}" if name else str(self.root)

    def identity(self, name: str) -> str:
        return os.path.realpath(self.root / name)

    def is_file(self, name: str) -> bool:
        return (self.root / name).is_file()

    def is_dir(self, name: str) -> bool:
        return (self.root / name).is_dir()

    def list_dir(self, name: str) -> list[str]:
        try:
            return os.listdir(self.root / name)
        except OSError as exc:
            raise FileError(
                f"cannot read policy directory {self.shown(name)}: {exc.strerror}"
            ) from None

    def read(self, name: str) -> bytes:
        try:
            with open(self.root / name, "rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise FileError(f"cannot read {self.shown(name)}: {exc.strerror}") from None
        if len(data) > MAX_FILE_BYTES:
            raise FileError(f"{self.shown(name)} is larger than {MAX_FILE_BYTES} bytes")
        return data


class MemorySource:
    """``{relative name: text}``; a directory is every name with its prefix and a '/'."""

    def __init__(self, files: Mapping[str, str | bytes]):
        self.files = {k: v.encode("utf-8") if isinstance(v, str) else v for k, v in files.items()}

    def shown(self, name: str) -> str:
        return name

    def identity(self, name: str) -> str:
        return name

    def is_file(self, name: str) -> bool:
        return name in self.files

    def is_dir(self, name: str) -> bool:
        prefix = name + "/" if name else ""
        return any(k.startswith(prefix) for k in self.files)

    def list_dir(self, name: str) -> list[str]:
        prefix = name + "/" if name else ""
        return sorted({k[len(prefix) :].split("/")[0] for k in self.files if k.startswith(prefix)})

    def read(self, name: str) -> bytes:
        return self.files[name]
