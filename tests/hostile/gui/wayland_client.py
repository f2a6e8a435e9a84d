"""A tiny Wayland client speaking the wire protocol itself, for tests and the benchmark: it does
what a hostile domain's client would (bind a global by its number, flood requests, never read).
"""

from __future__ import annotations

import array
import os
import select
import socket

from saltext.bulkhead.gui.wayland_filter.wire import Message, build, split, string, u32

DISPLAY, SYNC, GET_REGISTRY, BIND = 1, 0, 1, 0
# Enough of an XKB keymap for a virtual keyboard: the compositor resolves the includes.
KEYMAP = (b'xkb_keymap { xkb_keycodes { include "evdev" }; xkb_types { include "complete" };'
          b' xkb_compat { include "complete" }; xkb_symbols { include "pc+us" }; };\0')


class Closed(Exception):
    """The other end closed the connection."""


class Client:
    keyboard: int = 0  # the virtual keyboard's object, once it has one

    def __init__(self, path: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.next_id, self.buffer, self.events = 2, bytearray(), []
        self.registry = self.new_id()
        self.send(DISPLAY, GET_REGISTRY, u32(self.registry))
        self.globals: dict[int, tuple[str, int]] = {}
        for event in self.roundtrip():
            if event.object_id == self.registry and event.opcode == 0:
                name, length = int.from_bytes(event.body[:4], "little"), int.from_bytes(
                    event.body[4:8], "little")
                interface = event.body[8:8 + length - 1].decode()
                self.globals[name] = (interface, int.from_bytes(event.body[-4:], "little"))

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def send(self, object_id: int, opcode: int, body: bytes, fds: tuple[int, ...] = ()) -> None:
        ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        self.sock.sendmsg([build(object_id, opcode, body)], ancillary)

    def name_of(self, interface: str) -> int | None:
        return next((n for n, (i, _) in self.globals.items() if i == interface), None)

    def bind(self, name: int, interface: str, version: int) -> int:
        new = self.new_id()
        self.send(self.registry, BIND, u32(name) + string(interface) + u32(version) + u32(new))
        return new

    def read(self, timeout: float) -> list[Message]:
        """The events that arrive within ``timeout`` s of waiting (at least one read)."""
        if not select.select([self.sock], [], [], timeout)[0]:
            return []
        data, ancillary, _, _ = self.sock.recvmsg(65536, socket.CMSG_SPACE(28 * 4))
        for _, _, payload in ancillary:
            for fd in array.array("i", payload[:len(payload) - len(payload) % 4]):
                os.close(fd)
        if not data:
            raise Closed()
        self.buffer += data
        return split(self.buffer)

    def roundtrip(self, timeout: float = 30) -> list[Message]:
        """Every event up to the answer of a wl_display.sync (or ``Closed``)."""
        callback = self.new_id()
        self.send(DISPLAY, SYNC, u32(callback))
        events: list[Message] = []
        while not any(e.object_id == callback for e in events):
            got = self.read(timeout)
            if not got:
                raise TimeoutError("no answer to wl_display.sync")
            events += got
        return events

    def closed_by_peer(self, timeout: float = 30) -> bool:
        """True once the other end closes the connection (reading and dropping events)."""
        try:
            while self.read(timeout):
                pass
        except (Closed, ConnectionResetError):
            return True
        return False

    def close(self) -> None:
        self.sock.close()


def virtual_keyboard(path: str) -> Client:
    """A client that gives the headless seat a keyboard (wl-copy and wl-paste need one); it lives
    as long as the returned client."""
    client = Client(path)
    seat = client.bind(client.name_of("wl_seat"), "wl_seat", 1)
    manager = client.bind(client.name_of("zwp_virtual_keyboard_manager_v1"),
                          "zwp_virtual_keyboard_manager_v1", 1)
    keyboard = client.new_id()
    client.send(manager, 0, u32(seat) + u32(keyboard))
    fd = os.memfd_create("keymap")
    os.write(fd, KEYMAP)
    client.send(keyboard, 0, u32(1) + u32(len(KEYMAP)), (fd,))
    os.close(fd)
    client.roundtrip()
    client.keyboard = keyboard
    return client


def press_with_ctrl_shift(client: Client, key: int) -> None:
    """Ctrl+Shift+``key`` (an evdev code) on ``virtual_keyboard``'s keyboard."""
    ctrl_shift = 0x4 | 0x1  # the keymap's Control and Shift modifier bits
    for modifiers, state in ((ctrl_shift, 1), (ctrl_shift, 0)):
        client.send(client.keyboard, 2, u32(modifiers) + u32(0) + u32(0) + u32(0))
        client.send(client.keyboard, 1, u32(0) + u32(key) + u32(state))
    client.send(client.keyboard, 2, u32(0) * 4)
    client.roundtrip()


def type_keys(client: Client, keys: list[int]) -> None:
    """Press and release each evdev code of ``keys`` in turn on ``virtual_keyboard``'s keyboard,
    to whichever window the compositor has focused."""
    for key in keys:
        for state in (1, 0):
            client.send(client.keyboard, 1, u32(0) + u32(key) + u32(state))
    client.roundtrip()
