"""Find and command the compositor's sway IPC socket (it sits beside the Wayland socket)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SWAYMSG = "/usr/bin/swaymsg"


def sway_socket(wayland_display: str) -> Path | None:
    """The IPC socket of the live sway owning ``wayland_display``: ``sway-ipc.<uid>.<pid>.sock``
    in the same folder, made by the socket's owner, whose sway process still runs."""
    display = Path(wayland_display)
    try:
        owner = display.stat().st_uid
    except OSError:
        return None
    for path in sorted(display.parent.glob(f"sway-ipc.{owner}.*.sock"), reverse=True):
        pid = path.name.split(".")[2]
        if path.stat().st_uid == owner and pid.isdigit() and os.path.exists(f"/proc/{pid}"):
            return path
    return None


def swaymsg(socket: Path, command: str, timeout: float = 10.0) -> None:
    subprocess.run([SWAYMSG, "-s", str(socket), command], check=True, capture_output=True,
                   timeout=timeout)
