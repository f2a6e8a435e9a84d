"""Registries: which globals a client sees, and which it may bind.

Every registry is created by wl_display.get_registry (object 1, opcode 1), so tracking that one
request finds them all. A global event for an interface off the allowlist is dropped (and its
global_remove after it); an allowed one passes with its version capped. A bind must name a global
this registry offered, with its interface and a version not above the one offered; anything else
closes the connection (fail closed, before the compositor ever sees the request).
"""

from __future__ import annotations

from .allowlist import offered_version
from .wire import Args, Message, Violation, build, string, u32

DISPLAY = 1
GET_REGISTRY = 1
BIND = 0
GLOBAL, GLOBAL_REMOVE = 0, 1
MAX_REGISTRIES = 64


class Registries:
    """The registries of one connection and the globals each was offered."""

    def __init__(self) -> None:
        self.offered: dict[int, dict[int, tuple[str, int]]] = {}  # registry -> name -> global

    def is_registry(self, object_id: int) -> bool:
        return object_id in self.offered

    def get_registry(self, message: Message) -> None:
        args = Args(message)
        new_id = args.uint()
        args.end()
        if new_id in self.offered or len(self.offered) >= MAX_REGISTRIES:
            raise Violation("registry id reused or too many registries")
        self.offered[new_id] = {}

    def bind(self, message: Message) -> tuple[int, str]:
        """Check a bind request; return (new object id, interface) for the caller to track."""
        if message.opcode != BIND:
            raise Violation(f"unknown wl_registry request {message.opcode}")
        args = Args(message)
        name, interface, version, new_id = args.uint(), args.string(), args.uint(), args.uint()
        args.end()
        offered = self.offered[message.object_id].get(name)
        if offered is None or offered[0] != interface or not 1 <= version <= offered[1]:
            raise Violation(f"bind of global {name} ({interface} v{version}), not offered")
        return new_id, interface

    def event(self, message: Message) -> bytes | None:
        """The event to forward in place of a registry event, or None to drop it."""
        args = Args(message)
        offered = self.offered[message.object_id]
        if message.opcode == GLOBAL:
            name, interface, version = args.uint(), args.string(), args.uint()
            args.end()
            capped = offered_version(interface, version)
            if capped is None:
                return None
            offered[name] = (interface, capped)
            return build(message.object_id, GLOBAL, u32(name) + string(interface) + u32(capped))
        if message.opcode == GLOBAL_REMOVE:
            name = args.uint()
            args.end()
            return message.raw if offered.pop(name, None) else None
        raise Violation(f"unknown wl_registry event {message.opcode}")
