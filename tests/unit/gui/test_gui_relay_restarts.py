"""The GUI relays' supervisor starts a relay again after a back-off when it ended by itself while
its domain runs (a guest breaking its channel's framing again and again): 1 s, doubling up to
60 s, afresh once the domain stopped."""

from __future__ import annotations

import logging
import threading

from saltext.bulkhead.gui.supervisor import GuiRelays
from saltext.bulkhead.model import load_pillar

IMAGE = {"kind": "kernel", "root": "/i/root.qcow2", "kernel": "/i/vmlinuz",
         "initrd": "/i/initrd.img"}
PILLAR = load_pillar({"host": {"gui": {"wayland_display": "/run/user/1000/wayland-1"}},
                      "domains": {"tpl": {"class": "template", "image": IMAGE},
                                  "work": {"class": "app", "template": "tpl", "gui": True}}})


class EndedRelay(threading.Thread):
    """A relay whose guest broke its channel at once: it has ended by the next scan."""

    filter_pid = None

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.start()
        self.join()

    def stop(self) -> None:
        pass


class Supervisor(GuiRelays):
    """The real supervisor; only starting a relay (sway, users, sockets) is left out."""

    def __init__(self, running: list[str]) -> None:
        self.now, self.starts = 0.0, []
        super().__init__(lambda: PILLAR, lambda: running, logging.getLogger("test"),
                         clock=lambda: self.now)

    def _start(self, pillar, name, display):
        self.starts.append(self.now)
        return EndedRelay()


def _scan_until(supervisor: Supervisor, end: float) -> None:
    while supervisor.now <= end:
        supervisor.scan()
        supervisor.now += 0.5  # the broker's interval


def test_a_relay_that_keeps_ending_is_started_less_and_less_often():
    supervisor = Supervisor(["work"])
    _scan_until(supervisor, 300.0)
    gaps = [b - a for a, b in zip(supervisor.starts, supervisor.starts[1:], strict=False)]
    assert gaps[:6] == [1.5, 2.5, 4.5, 8.5, 16.5, 32.5]  # the hold, then the next scan's 0.5 s
    assert all(60.0 <= gap <= 61.0 for gap in gaps[7:]) and len(supervisor.starts) < 15


def test_a_domain_that_stopped_starts_afresh():
    running = ["work"]
    supervisor = Supervisor(running)
    _scan_until(supervisor, 100.0)
    running.clear()
    _scan_until(supervisor, 101.0)
    running.append("work")
    before = len(supervisor.starts)
    _scan_until(supervisor, 102.0)
    assert len(supervisor.starts) == before + 1  # at once, not after the last hold
