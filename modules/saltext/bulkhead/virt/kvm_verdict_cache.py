"""Remember KVM verdicts in ``/run/bulkhead/kvm-verdict.json`` so applies stay fast.

Two verdicts are kept: the ioctl probe's (``ioctl_key``: does a vCPU run to its ``hlt``), which
holds while ``/dev/kvm`` is the same device node (a KVM module reloaded with other options makes
a new one), and the boot probe's (``verdict_key``), which holds for one kernel file, one
emulator file and that same device node. Files are known by their identity (device, inode,
size, modification and change times), read with one ``stat`` each: a file replaced or rewritten
(a package upgrade, an image rebuilt) changes it, and no program can set a change time back.
Hashing the kernel and running ``qemu --version`` at every run, as before, cost a new process
some 60 ms; the ioctl probe's child process (a Python start-up) some 400 ms.

/run is emptied at boot, which is when host KVM support (module options, nesting, firmware
settings) can change without any of those. A cache file that cannot be read or has the wrong
shape is ignored: the worst a bad entry can do is pick TCG or KVM, never weaken isolation, and a
fresh probe replaces it.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from ..atomic_file import write_atomically
from .kvm_console import BootVerdict

CACHE_PATH = Path("/run/bulkhead/kvm-verdict.json")
MAX_ENTRIES = 16


def file_identity(path: str) -> str:
    """Which file ``path`` names now; raises OSError when there is none."""
    st = os.stat(path)
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


def device_identity(device: str) -> str:
    """Which device node ``device`` is now ("absent" when there is none)."""
    try:
        st = os.stat(device)
    except OSError:
        return "absent"
    kind = "char" if stat.S_ISCHR(st.st_mode) else "other"
    return f"{kind}:{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}:{st.st_ino}:{st.st_ctime_ns}"


def ioctl_key(device: str = "/dev/kvm") -> str:
    """The cache key of the ioctl probe's verdict on ``device``."""
    return f"ioctl {device}={device_identity(device)}"


def verdict_key(kernel: str, emulator: str, device: str = "/dev/kvm") -> str:
    """The cache key of the boot probe's verdict; raises OSError when the kernel or the emulator
    is missing."""
    return (f"boot kernel={kernel}@{file_identity(kernel)} "
            f"emulator={emulator}@{file_identity(emulator)} {device}={device_identity(device)}")


def _entries(path: Path) -> dict[str, dict[str, object]]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    entries = data.get("verdicts") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        return {}
    return {
        k: v
        for k, v in entries.items()
        if isinstance(v, dict)
        and isinstance(v.get("runs"), bool)
        and isinstance(v.get("reason"), str)
    }


def cached_verdict(key: str, path: Path = CACHE_PATH) -> BootVerdict | None:
    entry = _entries(path).get(key)
    return None if entry is None else BootVerdict(bool(entry["runs"]), str(entry["reason"]))


def store_verdict(key: str, verdict: BootVerdict, path: Path = CACHE_PATH) -> None:
    """Add ``verdict`` atomically (readers never see a half-written file); keep the newest few."""
    entries = _entries(path)
    entries.pop(key, None)
    entries[key] = {"runs": verdict.runs, "reason": verdict.reason}
    kept = {"verdicts": dict(list(entries.items())[-MAX_ENTRIES:])}
    write_atomically(path, json.dumps(kept, indent=1).encode())
