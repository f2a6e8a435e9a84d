"""Remember KVM verdicts in ``/run/bulkhead/kvm-verdict.json`` so applies stay fast.

Two verdicts are kept: the ioctl probe's (``ioctl_key``: does a vCPU run to its ``hlt``), which
holds while ``/dev/kvm`` is the same device node (a KVM module reloaded with other options makes
a new one), and the boot probe's (``verdict_key``), which holds for one kernel (by content), one
emulator file and that same device node. Files are known by their identity (device, inode,
size, modification and change times), read with one ``stat`` each: a file replaced or rewritten
(a package upgrade, an image rebuilt) changes it, and no program can set a change time back. A
kernel's digest is kept per identity, so a copy of the same kernel is hashed once and probed
never. Hashing the kernel and running ``qemu --version`` at every run, as before, cost a new
process some 60 ms; the ioctl probe's child process (a Python start-up) some 400 ms.

/run is emptied at boot, which is when host KVM support (module options, nesting, firmware
settings) can change without any of those. A cache file that cannot be read or has the wrong
shape is ignored: the worst a bad entry can do is pick TCG or KVM, never weaken isolation, and a
fresh probe replaces it.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from pathlib import Path
from typing import Any

from ..atomic_file import write_atomically
from .host_files import file_sha256
from .kvm_console import BootVerdict

CACHE_PATH = Path("/run/bulkhead/kvm-verdict.json")
MAX_ENTRIES = 16


def file_identity(path: str) -> str:
    """Which file ``path`` names now; raises OSError when there is none."""
    st = os.stat(path)
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


def device_identity(device: str) -> str:
    """Which device node ``device`` is now ("absent" when there is none): the device and the
    node's inode (a module reloaded makes the node anew), not its times (start-libvirt.sh
    and udev change its group and mode)."""
    try:
        st = os.stat(device)
    except OSError:
        return "absent"
    kind = "char" if stat.S_ISCHR(st.st_mode) else "other"
    return f"{kind}:{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}:{st.st_ino}"


def ioctl_key(device: str = "/dev/kvm") -> str:
    """The cache key of the ioctl probe's verdict on ``device``."""
    return f"ioctl {device}={device_identity(device)}"


def verdict_key(kernel: str, emulator: str, device: str = "/dev/kvm",
                path: Path | None = None) -> str:
    """The cache key of the boot probe's verdict; raises OSError when the kernel or the emulator
    cannot be read."""
    return (f"boot kernel-sha256={kernel_sha256(kernel, path)} "
            f"emulator={emulator}@{file_identity(emulator)} {device}={device_identity(device)}")


def kernel_sha256(kernel: str, path: Path | None = None) -> str:
    """The kernel file's digest, hashed once per file identity (kept in the cache file)."""
    key = f"{kernel}@{file_identity(kernel)}"
    known = _section(path, DIGESTS).get(key)
    if known is not None:
        return known
    digest = file_sha256(kernel)
    with contextlib.suppress(OSError):  # a read-only /run only costs hashing it again
        _store(path, DIGESTS, key, digest)
    return digest


VERDICTS, DIGESTS = "verdicts", "kernel-sha256"


def _valid(section: str, value: object) -> bool:
    if section == DIGESTS:
        return isinstance(value, str) and len(value) == 64 and value.isascii() and value.isalnum()
    return (isinstance(value, dict) and isinstance(value.get("runs"), bool)
            and isinstance(value.get("reason"), str))


def _read(path: Path | None) -> dict[str, object]:
    """The cache file's content; parsed again only when the file changed since this process
    last read it (a run asks it three times: the ioctl verdict, the kernel's digest, the boot
    verdict)."""
    global _last_read  # noqa: PLW0603 - one entry, replaced whole (threads read it too)
    where = path or CACHE_PATH
    try:
        with where.open("rb") as file:
            st = os.fstat(file.fileno())
            seen = (str(where), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
            last_seen, last_data = _last_read
            if last_seen == seen:
                return last_data
            data = json.loads(file.read())
    except (OSError, ValueError):
        return {}
    data = data if isinstance(data, dict) else {}
    _last_read = (seen, data)
    return data


_last_read: tuple[Any, dict[str, object]] = (None, {})  # the file as read, its content


def _section(path: Path | None, section: str,
             data: dict[str, object] | None = None) -> dict[str, Any]:
    """The well-formed entries of one section of the cache file (none when it is unreadable)."""
    entries = (_read(path) if data is None else data).get(section)
    if not isinstance(entries, dict):
        return {}
    return {k: v for k, v in entries.items() if isinstance(k, str) and _valid(section, v)}


def _store(path: Path | None, section: str, key: str, value: object) -> None:
    """Add an entry atomically (readers never see a half-written file); keep the newest few of
    each section."""
    data = _read(path)
    kept = {name: _section(path, name, data) for name in (VERDICTS, DIGESTS)}
    kept[section].pop(key, None)
    kept[section][key] = value
    write_atomically(path or CACHE_PATH, json.dumps(
        {name: dict(list(entries.items())[-MAX_ENTRIES:]) for name, entries in kept.items()},
        indent=1).encode())


def cached_verdict(key: str, path: Path | None = None) -> BootVerdict | None:
    entry = _section(path, VERDICTS).get(key)
    return None if entry is None else BootVerdict(bool(entry["runs"]), str(entry["reason"]))


def store_verdict(key: str, verdict: BootVerdict, path: Path | None = None) -> None:
    _store(path, VERDICTS, key, {"runs": verdict.runs, "reason": verdict.reason})
