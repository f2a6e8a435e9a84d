"""Remember boot-probe verdicts in ``/run/bulkhead/kvm-verdict.json`` so applies stay fast.

A verdict holds for one kernel (by content), one QEMU build and the presence of /dev/kvm; any of
them changing means a new probe. /run is emptied at boot, which is when host KVM support (module
options, nesting, firmware settings) can change without any of those. A cache file that cannot
be read or has the wrong shape is ignored: the worst a bad entry can do is pick TCG or KVM, never
weaken isolation, and a fresh probe replaces it.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from ..atomic_file import write_atomically
from .host_files import file_sha256
from .kvm_console import BootVerdict

CACHE_PATH = Path("/run/bulkhead/kvm-verdict.json")
MAX_ENTRIES = 16


def emulator_version(emulator: str) -> str:
    """First line of ``emulator --version`` (names the QEMU release and distribution build)."""
    proc = subprocess.run(
        [emulator, "--version"], capture_output=True, text=True, timeout=10, check=False
    )
    lines = proc.stdout.splitlines()
    if proc.returncode != 0 or not lines:
        raise OSError(f"{emulator} --version failed: {proc.stderr.strip() or proc.returncode}")
    return lines[0].strip()


def verdict_key(kernel: str, emulator: str, device: str = "/dev/kvm") -> str:
    """The cache key; raises OSError when the kernel or emulator cannot be read or run."""
    present = "present" if os.path.exists(device) else "absent"
    return (
        f"kernel-sha256={file_sha256(kernel)} qemu={emulator_version(emulator)} {device}={present}"
    )


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
