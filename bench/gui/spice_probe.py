"""A SPICE client that records what it gets, for bench.gui (run by /usr/bin/python3: it needs
python3-gi and gir1.2-spiceclientglib-2.0, Debian packages the host's Python may not see).

    /usr/bin/python3 spice_probe.py SOCKET

Connects to the SPICE server on the unix socket SOCKET (spice-client-glib, no widget: the display
channel draws into its own canvas and says which rectangle changed). Prints one JSON line per
thing seen, stamped with CLOCK_MONOTONIC (the host's, as time.monotonic() in the benchmark):
``connect`` (before connecting), ``primary`` (the guest's screen, width and height),
``invalidate`` (a rectangle of the screen drawn anew), ``key`` (right before a key press is
sent). Reads commands on stdin: ``key SCANCODE`` (PC set 1: press, then release 50 ms later),
``quit``.
"""

import json
import sys
import time

import gi

gi.require_version("SpiceClientGLib", "2.0")
from gi.repository import GLib, GObject  # noqa: E402
from gi.repository import SpiceClientGLib as Spice  # noqa: E402

RELEASE_AFTER_MS = 50


def say(event: str, **more) -> None:
    print(json.dumps({"t": time.monotonic(), "event": event, **more}), flush=True)


class Probe:
    def __init__(self, socket_path: str) -> None:
        self.loop = GLib.MainLoop()
        self.inputs = None
        self.channels = []  # references kept: a channel dropped is disconnected
        self.session = Spice.Session()
        self.session.set_property("uri", f"spice+unix://{socket_path}")
        GObject.Object.connect(self.session, "channel-new", self.channel_new)
        GLib.io_add_watch(sys.stdin.fileno(), GLib.PRIORITY_DEFAULT,
                          GLib.IOCondition.IN | GLib.IOCondition.HUP, self.command)

    def channel_new(self, _session, channel) -> None:
        self.channels.append(channel)
        if isinstance(channel, Spice.DisplayChannel):
            GObject.Object.connect(channel, "display-primary-create", self.primary)
            GObject.Object.connect(channel, "display-invalidate", self.invalidate)
        elif isinstance(channel, Spice.InputsChannel):
            self.inputs = channel
        else:
            return
        Spice.Channel.connect(channel)

    def primary(self, _channel, _format, width, height, *_rest) -> None:
        say("primary", width=width, height=height)

    def invalidate(self, _channel, x, y, width, height) -> None:
        say("invalidate", x=x, y=y, w=width, h=height)

    def command(self, _fd, condition) -> bool:
        line = sys.stdin.readline() if condition & GLib.IOCondition.IN else ""
        words = line.split()
        if not words or words[0] == "quit":
            self.session.disconnect()
            self.loop.quit()
            return False
        if words[0] == "key" and self.inputs is not None:
            code = int(words[1], 0)
            say("key", code=code)
            self.inputs.key_press(code)
            GLib.timeout_add(RELEASE_AFTER_MS, lambda: self.inputs.key_release(code) and False)
        return True

    def run(self) -> None:
        say("connect")
        if not Spice.Session.connect(self.session):
            say("failed")
            return
        self.loop.run()


if __name__ == "__main__":
    Probe(sys.argv[1]).run()
