"""Toplevel windows may not make themselves fullscreen.

A fullscreen window covers the whole output with no title bar or border: the host's label (the
domain's name and colour) disappears, and the window can draw a fake desktop or another domain's
window in its place. Qubes refuses it by default; so does the filter: xdg_toplevel.set_fullscreen
is dropped (the protocol lets a compositor ignore it; the client simply gets no fullscreen
configure). The user can still make a window fullscreen from the compositor.

Every xdg_toplevel is made by xdg_surface.get_toplevel, every xdg_surface by
xdg_wm_base.get_xdg_surface, and xdg_wm_base by a bind the registry sees, so tracking those three
requests finds every toplevel. Each is forgotten at its destroy request (opcode 0 for all three).
"""

from __future__ import annotations

from .wire import Args, Message, Violation

WM_BASE, SURFACE, TOPLEVEL = "xdg_wm_base", "xdg_surface", "xdg_toplevel"
DESTROY = 0
GET_XDG_SURFACE, GET_TOPLEVEL, SET_FULLSCREEN = 2, 1, 11
LAST_REQUEST = {WM_BASE: 3, SURFACE: 4, TOPLEVEL: 13}  # xdg-shell version 5
CREATES = {(WM_BASE, GET_XDG_SURFACE): SURFACE, (SURFACE, GET_TOPLEVEL): TOPLEVEL}


def request(kinds: dict[int, str], message: Message) -> bytes:
    """The bytes to send upstream for a request to an xdg-shell object the filter tracks."""
    kind = kinds[message.object_id]
    if message.opcode > LAST_REQUEST[kind]:
        raise Violation(f"unknown request {message.opcode} to {kind}")
    if message.opcode == DESTROY:
        Args(message).end()
        del kinds[message.object_id]
    elif (kind, message.opcode) in CREATES:
        new_id = Args(message).uint()
        if new_id in kinds or new_id == 0:
            raise Violation(f"new {CREATES[kind, message.opcode]} with an id in use")
        kinds[new_id] = CREATES[kind, message.opcode]
    elif kind == TOPLEVEL and message.opcode == SET_FULLSCREEN:
        return b""
    return message.raw
