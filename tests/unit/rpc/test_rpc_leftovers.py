"""The broker deletes the disposables left behind at its start, and tries again while it runs
(rpc/service.py): a failure is logged and retried, never the end of the broker."""

from __future__ import annotations

import logging
import threading

from saltext.bulkhead.rpc import service


class Leftovers:
    """A host whose deletions fail ``failures`` times, then delete ``names``; the retry loop is
    stopped after ``calls`` tries."""

    def __init__(self, stopping: threading.Event, failures: int, names: list[str], calls: int):
        self.stopping, self.failures, self.names, self.calls = stopping, failures, names, calls
        self.tries = 0

    def remove_leftovers(self, earlier: bool = True) -> list[str]:
        assert not earlier  # the retries delete only what this broker failed to delete
        self.tries += 1
        if self.tries >= self.calls:
            self.stopping.set()
        if self.failures:
            self.failures -= 1
            raise OSError("libvirtd is restarting")
        names, self.names = self.names, []
        return names


def test_a_failed_deletion_is_tried_again_until_it_succeeds(monkeypatch, caplog):
    monkeypatch.setattr(service, "LEFTOVERS_RETRY_S", 0.01)
    stopping = threading.Event()
    host = Leftovers(stopping, failures=2, names=["disp3"], calls=4)
    log = logging.getLogger("test.leftovers")
    with caplog.at_level(logging.INFO, logger="test.leftovers"):
        service._retry_leftovers(host, log, stopping)
    assert host.tries == 4
    messages = [r.getMessage() for r in caplog.records]
    assert messages[:2] == ["cannot delete disposables left behind (tried again later): "
                            "libvirtd is restarting"] * 2
    assert messages[2:] == ["deleted disposable disp3, left behind by an earlier broker or call"]


def test_the_retries_end_with_the_broker(monkeypatch):
    monkeypatch.setattr(service, "LEFTOVERS_RETRY_S", 30.0)
    stopping = threading.Event()
    host = Leftovers(stopping, failures=0, names=[], calls=99)
    thread = threading.Thread(target=service._retry_leftovers,
                              args=(host, logging.getLogger("test.leftovers"), stopping))
    thread.start()
    stopping.set()
    thread.join(5)
    assert not thread.is_alive() and host.tries == 0
