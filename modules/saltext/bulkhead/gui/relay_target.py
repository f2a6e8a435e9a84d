"""What one domain's GUI relay serves: the domain, its label, its user and where its sockets are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..model.label import Label


@dataclass(frozen=True, slots=True)
class RelayTarget:
    domain: str
    label: Label
    uid: int
    gid: int
    session: Path  # the relay user's folder on the host
    compositor: str  # the compositor's Wayland socket
    sway: Path  # its IPC socket
