"""The command chain from a domain's GUI channel to the compositor, in ONE place.

Today: guest ``waypipe server`` -> GUI channel -> (the relay copies bytes) -> ``waypipe client``
-> the compositor socket bound at COMPOSITOR_SOCKET. The Wayland protocol filter (globals
allowlist, per-domain clipboard: ``gui/wayland_filter``) goes in as one more hop here:
``waypipe client`` -> filter socket -> compositor, i.e. start the filter on the session folder
with COMPOSITOR_SOCKET as its upstream and point WAYLAND_DISPLAY below at the filter's socket
instead, so that waypipe never connects to the compositor itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from .names import WAYPIPE_SOCKET

SESSION_MOUNT = "/run/relay"  # the session folder, inside the sandbox
COMPOSITOR_DIR = "/run/compositor"
COMPOSITOR_SOCKET = f"{COMPOSITOR_DIR}/wayland-0"  # the compositor socket, inside the sandbox


@dataclass(frozen=True, slots=True)
class Chain:
    argv: list[str]
    env: dict[str, str]


def client_chain() -> Chain:
    """What runs in a domain's sandbox for one GUI session (paths as seen inside it).

    ``--oneshot``: one session per process, so the compositor sees one client per session, whose
    pid the relay labels. ``--no-gpu``: shared memory only, no DMA-BUF or render node."""
    argv = ["/usr/bin/waypipe", "--no-gpu", "--oneshot", "-s", f"{SESSION_MOUNT}/{WAYPIPE_SOCKET}",
            "client"]
    # filter hop (lead, at merge): WAYLAND_DISPLAY = the filter's socket in SESSION_MOUNT
    env = {"WAYLAND_DISPLAY": COMPOSITOR_SOCKET, "XDG_RUNTIME_DIR": SESSION_MOUNT}
    return Chain(argv, env)
