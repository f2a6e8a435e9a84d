"""A virtual keyboard on the host compositor (zwp_virtual_keyboard_v1), one for the whole run:
keys typed into the focused window as a keyboard of the desktop would (the keymap reaches each
window once, at focus, not at every key as a fresh ``wtype`` would send it)."""

from __future__ import annotations

import os
import time

from saltext.bulkhead.gui.wayland_filter.wire import u32
from tests.hostile.gui.wayland_client import KEYMAP, Client

KEY_A = 30  # evdev KEY_A
PRESSED, RELEASED = 1, 0
CREATE, KEYMAP_REQUEST, KEY = 0, 0, 1
RELEASE_AFTER_S = 0.05


class VirtualKeyboard:
    def __init__(self, display: str) -> None:
        self.client = Client(display)
        seat = self.client.bind(self.client.name_of("wl_seat"), "wl_seat", 1)
        manager = self.client.bind(self.client.name_of("zwp_virtual_keyboard_manager_v1"),
                                   "zwp_virtual_keyboard_manager_v1", 1)
        self.keyboard = self.client.new_id()
        self.client.send(manager, CREATE, u32(seat) + u32(self.keyboard))
        fd = os.memfd_create("keymap")
        os.write(fd, KEYMAP)
        self.client.send(self.keyboard, KEYMAP_REQUEST, u32(1) + u32(len(KEYMAP)), (fd,))
        os.close(fd)
        self.client.roundtrip()

    def type_key(self, key: int = KEY_A) -> None:
        """Press, then release 50 ms later (no repeat: it starts after 600 ms)."""
        stamp = int(time.monotonic() * 1000) & 0xFFFFFFFF
        self.client.send(self.keyboard, KEY, u32(stamp) + u32(key) + u32(PRESSED))
        time.sleep(RELEASE_AFTER_S)
        self.client.send(self.keyboard, KEY, u32(stamp + 50) + u32(key) + u32(RELEASED))
        self.client.roundtrip()

    def close(self) -> None:
        self.client.close()
