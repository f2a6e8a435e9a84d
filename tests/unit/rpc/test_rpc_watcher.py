"""The watcher opens the channel of each running domain whose socket exists, once, and again
after it dropped; the name comes from the host's list, never from the peer."""

from __future__ import annotations

import io
import logging
import socket
import time

from saltext.bulkhead.rpc.broker import Broker
from saltext.bulkhead.rpc.host import StaticHost
from saltext.bulkhead.rpc.prompt import RefusePrompt
from saltext.bulkhead.rpc.watcher import Watcher
from saltext.bulkhead.rpcwire.frames import FrameReader, Kind

from .rpc_harness import system


def test_scan_attaches_running_domains_with_sockets_and_reattaches_after_a_drop(tmp_path):
    text = io.StringIO()
    log = logging.getLogger("bulkhead.test.watcher")
    log.handlers[:] = [logging.StreamHandler(text)]
    log.setLevel(logging.INFO)
    log.propagate = False
    host = StaticHost(system({"alpha": "Running", "beta": "Running", "gamma": "Halted"}))
    broker = Broker(host, tmp_path, RefusePrompt(), log)
    watcher = Watcher(broker, tmp_path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(tmp_path / "alpha.sock"))
    server.listen(1)
    (tmp_path / "gamma.sock").touch()  # not running: never opened
    try:
        assert watcher.scan() == ["alpha"]
        channel, _ = server.accept()
        assert FrameReader(channel).next().kind is Kind.HELLO  # the broker greets the channel
        assert watcher.scan() == []  # already attached; beta's failure is logged once
        assert text.getvalue().count("beta: cannot connect") == 1
        channel.close()  # the domain's side went away
        deadline = time.monotonic() + 5
        while "alpha" in broker.attached() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert watcher.scan() == ["alpha"]
        again, _ = server.accept()
        again.close()
    finally:
        broker.close()
        server.close()


class LibvirtGoesAway(StaticHost):
    """A host whose running domains cannot be listed while ``down`` (libvirtd restarting)."""

    def __init__(self) -> None:
        super().__init__(system({"alpha": "Running"}))
        self.down = False
        self.listings = 0

    def running(self) -> list[str]:
        self.listings += 1
        if self.down:
            raise ConnectionRefusedError("cannot connect to libvirt at qemu:///system")
        return super().running()


def test_while_libvirt_is_down_the_watcher_backs_off_and_logs_once(tmp_path):
    """Ten simulated minutes of libvirtd away, scanned every 0.5 s as run() does: the list is
    asked for at doubling holds up to 30 s, one warning when it starts, one line when it ends."""
    text = io.StringIO()
    log = logging.getLogger("bulkhead.test.watcher.down")
    log.handlers[:] = [logging.StreamHandler(text)]
    log.setLevel(logging.INFO)
    log.propagate = False
    now = [0.0]
    host = LibvirtGoesAway()
    broker = Broker(host, tmp_path, RefusePrompt(), log)
    watcher = Watcher(broker, tmp_path, interval=0.5, clock=lambda: now[0])
    try:
        host.down = True
        for _ in range(1200):  # 600 s of scans
            assert watcher.scan() == []
            now[0] += 0.5
        # 0.5 + 1 + ... + 16 = 31.5 s for the first six, then one every 30 s (was 1200 listings)
        assert host.listings <= 6 + (600 - 31.5) / 30 + 1
        assert text.getvalue().count("cannot list running domains") == 1
        host.down = False
        listings = host.listings
        for _ in range(120):  # back within 30 s, then at the watcher's pace again
            watcher.scan()
            now[0] += 0.5
        assert text.getvalue().count("can list running domains again after") == 1
        assert host.listings - listings >= 60
        assert text.getvalue().count("alpha: cannot connect to") == 1  # no socket: once
        assert len(text.getvalue().splitlines()) == 3
    finally:
        broker.close()
