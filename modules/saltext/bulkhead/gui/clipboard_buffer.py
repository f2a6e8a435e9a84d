"""The host's inter-domain clipboard buffer: one text and the domain it was copied from.

Kept in a root-only file (folder 0700, file 0600) because ``bulkhead clipboard copy`` and
``paste`` are separate commands. The host never interprets the text: it checks the size bound
and that it is UTF-8, nothing else. ``take`` empties the buffer (after a paste, as Qubes does).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

from .wayland_filter.control_wire import MAX_TEXT

DEFAULT_BUFFER = Path("/run/bulkhead/clipboard/buffer")
MAX_FILE = 8 * MAX_TEXT  # JSON escapes at most multiply the text by 6


class BufferError(ValueError):
    """The buffer is empty or unreadable."""


def store(path: Path, source: str, text: bytes) -> None:
    """Replace the buffer with ``text`` from ``source`` (atomically)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    record = json.dumps({"source": source, "text": text.decode("utf-8")}).encode()
    fd, staged = tempfile.mkstemp(dir=path.parent, prefix=".buffer-")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(record)
        os.replace(staged, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staged)
        raise


def load(path: Path) -> tuple[str, bytes]:
    """(source domain, text) from the buffer; BufferError if there is none."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        raise BufferError("the clipboard buffer is empty: copy first") from None
    except OSError as exc:
        raise BufferError(f"cannot read the clipboard buffer {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as buffer:
        data = buffer.read(MAX_FILE + 1)
    try:
        record = json.loads(data) if len(data) <= MAX_FILE else None
        source, text = record["source"], record["text"].encode("utf-8")
    except (ValueError, TypeError, KeyError, AttributeError):
        raise BufferError(f"the clipboard buffer {path} is not one of ours") from None
    if not isinstance(source, str) or len(text) > MAX_TEXT:
        raise BufferError(f"the clipboard buffer {path} is not one of ours")
    return source, text


def clear(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
