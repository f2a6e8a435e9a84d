"""The globals a domain's windows may bind, with the highest version the filter lets through.

A domain gets surfaces, a shell, shared memory, its seat (input only while one of its windows
has focus: the compositor's rule), outputs, host-drawn decorations, viewports, and the clipboard
through the filtered data device. Anything that reads the screen (screencopy, export-dmabuf,
image capture), injects input (virtual keyboard and pointer, input method), reads or sets
another client's clipboard (data-control, primary selection), draws above other windows or
grabs input (layer-shell, input-inhibit, pointer constraints, shortcut inhibit), watches or
drives other windows or the outputs (foreign-toplevel, gamma, output management and power,
idle, session lock, activation) is never offered. zwp_linux_dmabuf_v1 is not offered either: the
GUI path runs waypipe with --no-gpu (shared memory only), so the host's GPU driver never parses a
domain's buffers. An interface not named here is refused: the list is an allowlist.

The versions cap what the filter parses for the objects it tracks (the data device manager, the
decoration manager) and what this wlroots speaks for the rest; a bind above the version offered
closes the connection.
"""

from __future__ import annotations

ALLOWED: dict[str, int] = {
    "wl_compositor": 5,
    "wl_subcompositor": 1,
    "wl_shm": 1,
    "wl_seat": 8,
    "wl_output": 4,
    "xdg_wm_base": 5,
    "wl_data_device_manager": 3,
    "zxdg_decoration_manager_v1": 1,
    "wp_viewporter": 1,
}


def offered_version(interface: str, version: int) -> int | None:
    """The version a global is offered at through the filter, or None if it is hidden."""
    cap = ALLOWED.get(interface)
    return None if cap is None else min(cap, version)
