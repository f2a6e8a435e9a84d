"""The command chain from a domain's GUI channel to the compositor, in ONE place.

guest ``waypipe server`` -> GUI channel -> (the relay copies bytes) -> ``waypipe client`` (one per
session) -> the domain's Wayland filter (one per relay: its clipboard marker is the domain's) ->
the compositor. Each runs in its own sandbox as the domain's user; waypipe's sees only the session
folder (where both sockets are), so it can reach the compositor only through the filter, and
the filter is the one client the compositor sees (its pid is the one the relay labels).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .names import CONTROL_SOCKET, FILTER_SOCKET, WAYPIPE_SOCKET

SESSION_MOUNT = "/run/relay"  # the session folder, inside the sandbox
COMPOSITOR_DIR = "/run/compositor"
COMPOSITOR_SOCKET = f"{COMPOSITOR_DIR}/wayland-0"  # the compositor socket, inside the sandbox
PYTHON_DIR = "/run/python"  # the bulkhead package, read-only, inside the filter's sandbox
PACKAGE = Path(__file__).resolve().parents[1]  # .../saltext/bulkhead on the host


@dataclass(frozen=True, slots=True)
class Chain:
    argv: list[str]
    env: dict[str, str]
    binds: tuple[tuple[str, str], ...] = field(default=())  # (host path, path inside), read-write
    ro_binds: tuple[tuple[str, str], ...] = field(default=())


def client_chain() -> Chain:
    """What runs in a domain's sandbox for one GUI session (paths as seen inside it).

    ``--oneshot``: one session per process. ``--no-gpu``: shared memory only, no DMA-BUF or
    render node. Its Wayland display is the filter's socket; the compositor is not mounted."""
    argv = ["/usr/bin/waypipe", "--no-gpu", "--oneshot", "-s", f"{SESSION_MOUNT}/{WAYPIPE_SOCKET}",
            "client"]
    env = {"WAYLAND_DISPLAY": f"{SESSION_MOUNT}/{FILTER_SOCKET}", "XDG_RUNTIME_DIR": SESSION_MOUNT}
    return Chain(argv, env)


def filter_chain(domain: str, compositor: str) -> Chain:
    """The domain's Wayland filter (gui/wayland_filter), the only one to see the compositor."""
    argv = ["/usr/bin/python3", "-m", "saltext.bulkhead.gui.wayland_filter",
            "--listen", f"{SESSION_MOUNT}/{FILTER_SOCKET}", "--upstream", COMPOSITOR_SOCKET,
            "--domain", domain,
            # root's `bulkhead clipboard` on the host reaches it in the session folder; the filter
            # takes only uid 0 there (waypipe client shares the folder as the domain's user)
            "--control", f"{SESSION_MOUNT}/{CONTROL_SOCKET}"]
    env = {"PYTHONPATH": PYTHON_DIR, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONSAFEPATH": "1"}
    return Chain(argv, env, binds=((compositor, COMPOSITOR_SOCKET),),
                 ro_binds=((str(PACKAGE), f"{PYTHON_DIR}/saltext/bulkhead"),))
