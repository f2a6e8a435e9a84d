"""virtlogd and libvirtd running, where no service manager runs them (no systemd as PID 1).

The start logic is ``start-libvirt.sh`` (shipped here, also ``scripts/start-libvirt.sh``): it
starts a daemon whose socket does not answer and waits until ``qemu:///system`` does. Where
systemd runs the host, the formula uses Salt's ``service.running`` instead.
"""

from __future__ import annotations

import os
import socket
import subprocess
from importlib import resources
from pathlib import Path

from ..reconcile import Outcome, Work

SOCKETS = {
    "virtlogd": Path("/run/libvirt/virtlogd-sock"),
    "libvirtd": Path("/run/libvirt/libvirt-sock"),
}
# Only a URI naming this machine's system daemon is started here; another host's is its own.
LOCAL_URIS = ("qemu:///system", "xen:///system", "xen:///")


def answers(path: Path) -> bool:
    """Does a process accept connections on this unix socket? (A dead one leaves its file.)"""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(3)
        try:
            sock.connect(str(path))
        except OSError:
            return False
    return True


def silent(sockets: dict[str, Path] = SOCKETS) -> list[str]:
    return [name for name, path in sockets.items() if not answers(path)]


def start(uri: str, timeout: float = 120) -> None:
    """Run the start logic; OSError with its own words when a daemon did not come up."""
    script = resources.files(__package__) / "start-libvirt.sh"
    with resources.as_file(script) as path:
        proc = subprocess.run(["bash", str(path)], capture_output=True, text=True, timeout=timeout,
                              check=False, env={**os.environ, "BULKHEAD_LIBVIRT_URI": uri})
    if proc.returncode != 0:
        raise OSError((proc.stderr or proc.stdout).strip() or f"exit status {proc.returncode}")


def libvirt_running(uri: str, test: bool = False, sockets: dict[str, Path] = SOCKETS) -> Outcome:
    if uri not in LOCAL_URIS:
        return Outcome(True, {}, f"libvirt is at {uri}: its daemons are that host's to run.")
    work = Work()
    down = silent(sockets)
    if down:
        work.changes["started"] = down
        work.step("start " + " and ".join(down), lambda: start(uri))
    return work.finish(test, "libvirt's daemons")
