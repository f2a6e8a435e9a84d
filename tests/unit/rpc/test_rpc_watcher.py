"""The watcher opens the channel of each running domain whose socket exists, once, and again
after it dropped; the name comes from the host's list, never from the peer."""

from __future__ import annotations

import io
import logging
import socket
import time

from saltext.bulkhead.rpc.broker import Broker
from saltext.bulkhead.rpc.frames import FrameReader, Kind
from saltext.bulkhead.rpc.host import StaticHost
from saltext.bulkhead.rpc.prompt import RefusePrompt
from saltext.bulkhead.rpc.watcher import Watcher

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
