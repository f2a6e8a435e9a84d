"""Frames and key presses in a compositor log written with ``WAYLAND_DEBUG=server``.

libwayland (1.21) prints every request the compositor receives and every event it sends, each
stamped with the compositor's CLOCK_REALTIME in microseconds truncated to 32 bits and printed as
``[milliseconds.micro]``: ``[ 434384.403] wl_surface@3.commit()`` is a request,
``[ 434377.684]  -> wl_keyboard@31.key(...)`` an event. The clock is read by the compositor when
it dispatches the message, so what is measured is what reached the compositor, when.

- A *frame* is a ``wl_surface.commit`` whose pending state has a buffer: an ``attach`` of a
  buffer other than nil on that surface since its last commit (new content for the screen). A
  commit without one (a configure's acknowledgement, a frame callback alone) is not a frame.
- A *key press* is a ``zwp_virtual_keyboard_v1.key`` request with state 1: the host's key
  entering the compositor. *Delivered* is the compositor's ``wl_keyboard.key`` event (state 1)
  to the focused client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WRAP = 2**32  # the stamp is an unsigned 32-bit count of microseconds
_LINE = re.compile(r"^\[\s*(\d+)\.(\d{3})\] (?P<event> -> )?(?P<iface>\w+)@(?P<id>\d+)\."
                   r"(?P<message>\w+)\((?P<args>.*)\)\s*$")


@dataclass(frozen=True)
class Marks:
    """Stamps (µs, 32-bit, in log order) of what one log shows."""
    frames: list[int]
    presses: list[int]
    delivered: list[int]


def _last_arg(args: str) -> str:
    return args.rsplit(",", 1)[-1].strip()


def parse(text: str) -> Marks:
    """The frames, key presses and delivered presses of a ``WAYLAND_DEBUG=server`` log; every
    other line (the compositor's own log) is skipped."""
    frames, presses, delivered = [], [], []
    pending: set[tuple[str, str]] = set()  # surfaces with a buffer attached since their commit
    for line in text.splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        stamp = int(match[1]) * 1000 + int(match[2])
        iface, message, args = match["iface"], match["message"], match["args"]
        surface = (iface, match["id"])
        if match["event"]:
            if iface == "wl_keyboard" and message == "key" and _last_arg(args) == "1":
                delivered.append(stamp)
        elif iface == "wl_surface" and message == "attach":
            if args.split(",", 1)[0].strip() == "nil":
                pending.discard(surface)
            else:
                pending.add(surface)
        elif iface == "wl_surface" and message == "commit" and surface in pending:
            pending.discard(surface)
            frames.append(stamp)
        elif iface == "zwp_virtual_keyboard_v1" and message == "key" and _last_arg(args) == "1":
            presses.append(stamp)
    return Marks(frames, presses, delivered)


def unwrap(stamp: int, reference_us: int) -> int:
    """The full CLOCK_REALTIME microseconds of a 32-bit ``stamp`` read at most 71 minutes
    before ``reference_us`` (a full reading of the same clock taken after it)."""
    return reference_us - (reference_us - stamp) % WRAP
