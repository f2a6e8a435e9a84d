"""How much memory the host can give its guests, read from /proc/meminfo."""

from __future__ import annotations

from pathlib import Path

MEMINFO = Path("/proc/meminfo")


def mem_available_kib(meminfo: Path = MEMINFO) -> int:
    """The host kernel's MemAvailable in KiB: free memory plus what it reclaims without swapping."""
    for line in meminfo.read_text().splitlines():
        key, _, rest = line.partition(":")
        if key == "MemAvailable":
            value, _, unit = rest.strip().partition(" ")
            if unit not in ("kB", ""):
                raise ValueError(f"{meminfo}: unexpected unit {unit!r} for MemAvailable")
            return int(value)
    raise ValueError(f"{meminfo} has no MemAvailable line (kernel older than 3.14?)")
