"""Window decorations: always the host's.

A toplevel that asks for client-side decoration loses the compositor's title bar and border
when it floats (sway), and would then draw whatever title it likes. The filter rewrites every
zxdg_toplevel_decoration_v1.set_mode to server_side, so the label the host draws (the domain's
name and colour) stays on every window; unset_mode leaves the choice to the compositor.
"""

from __future__ import annotations

from .wire import Args, Message, Violation, build, u32

MANAGER, DECORATION = "zxdg_decoration_manager_v1", "zxdg_toplevel_decoration_v1"
DESTROY, GET_TOPLEVEL_DECORATION = 0, 1
SET_MODE, UNSET_MODE = 1, 2
SERVER_SIDE = 2


def request(kinds: dict[int, str], message: Message) -> bytes:
    """The bytes to send upstream for a request to a decoration object."""
    kind, args = kinds[message.object_id], Args(message)
    if message.opcode == DESTROY:
        args.end()
        del kinds[message.object_id]
        return message.raw
    if kind == MANAGER and message.opcode == GET_TOPLEVEL_DECORATION:
        new_id = args.uint()
        args.uint()  # the toplevel: the compositor checks it
        args.end()
        if new_id in kinds or new_id == 0:
            raise Violation("decoration id in use")
        kinds[new_id] = DECORATION
        return message.raw
    if kind == DECORATION and message.opcode == SET_MODE:
        args.uint()
        args.end()
        return build(message.object_id, SET_MODE, u32(SERVER_SIDE))
    if kind == DECORATION and message.opcode == UNSET_MODE:
        args.end()
        return message.raw
    raise Violation(f"unknown request {message.opcode} to {kind}")
