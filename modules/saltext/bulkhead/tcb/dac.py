"""DAC separation, checked the way an exploited QEMU would meet it: open a file with exactly the
credentials a QEMU process runs under (its uid, gid and no other groups), in a child process."""

from __future__ import annotations

import subprocess
from pathlib import Path


def opens_as(path: Path, uid: int, gid: int, groups: tuple[int, ...] = ()) -> bool:
    """True when a process with these credentials can open ``path`` for reading."""
    done = subprocess.run(["head", "-c", "0", str(path)], user=uid, group=gid,
                          extra_groups=list(groups), capture_output=True, timeout=30, check=False)
    return done.returncode == 0


def qemu_groups(pid: int, proc: Path = Path("/proc")) -> tuple[int, ...]:
    """The supplementary groups a QEMU process holds (libvirt gives it the user's groups)."""
    for line in (proc / str(pid) / "status").read_text().splitlines():
        if line.startswith("Groups:"):
            return tuple(int(g) for g in line.split()[1:])
    return ()
