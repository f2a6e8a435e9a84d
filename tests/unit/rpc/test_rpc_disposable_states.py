"""The broker's bookkeeping of a disposable from its pick for a call until it is off again
(rpc/disposables.py), with its states as an Enum: a disposable is reserved the whole time, so no
second call ever gets it, and one that cannot be shut off stays taken."""

from __future__ import annotations

import io
import logging
import socket

import pytest

from saltext.bulkhead.rpc.channel import Endpoint
from saltext.bulkhead.rpc.channels import Channels
from saltext.bulkhead.rpc.disposables import Disposables, DisposableState
from saltext.bulkhead.rpc.guest_limits import DomainLog, GuestLimits
from saltext.bulkhead.rpc.host import StaticHost, StopError

from .rpc_harness import system


class BootingHost(StaticHost):
    """Starting a domain attaches a channel whose daemon has answered (what a guest boot does);
    stopping one is recorded, or fails for the names in ``stuck``."""

    def __init__(self, channels: Channels, stuck: frozenset[str] = frozenset()):
        super().__init__(system({"alpha": "Running"}, {"d1": "Halted", "d2": "Halted"}))
        self.channels = channels
        self.stuck = stuck
        self.stopped: list[str] = []
        self.guest_ends: list[socket.socket] = []

    def start(self, name: str) -> None:
        host_end, guest_end = socket.socketpair()
        self.guest_ends.append(guest_end)
        endpoint = Endpoint(name, host_end, GuestLimits(), lambda _e, _why: None)
        endpoint.ready.set()
        with self.channels.lock:
            self.channels.add(endpoint)
            self.channels.lock.notify_all()

    def stop(self, name: str) -> None:
        if name in self.stuck:
            raise StopError(f"{name} would not stop")
        self.stopped.append(name)


@pytest.fixture
def book():
    channels = Channels()
    log = logging.Logger("test-disposable-states")  # no parent: its lines stay here
    log.addHandler(logging.StreamHandler(io.StringIO()))
    host = BootingHost(channels, stuck=frozenset({"d2"}))
    yield Disposables(host, channels, DomainLog(log, GuestLimits()), ready_timeout=5.0), host
    for end in host.guest_ends:
        end.close()


def start(disposables: Disposables) -> Endpoint | None:
    return disposables.start("dvm", disposables.host.system(), "call", lambda *_: None)


def test_picked_starting_in_call_disposing_then_free(book):
    disposables, host = book
    target = start(disposables)
    assert target is not None and target.name == "d1"
    assert disposables.state("d1") is DisposableState.STARTING
    with disposables.channels.lock:
        disposables.paired("d1")
    assert disposables.state("d1") is DisposableState.IN_CALL
    assert disposables.in_call() == ["d1"]
    assert start(disposables).name == "d2"  # d1 is taken while its call runs
    with disposables.channels.lock:
        disposables.call_ended("d1")
        assert disposables.state("d1") is DisposableState.DISPOSING
        assert disposables.channels.lock.wait_for(lambda: disposables.state("d1") is None, 10)
    assert host.stopped == ["d1"] and disposables.state("d1") is None
    assert disposables.channels.get("d1") is None and target.closed


def test_a_refused_call_disposes_only_a_disposable_still_starting(book):
    disposables, host = book
    assert start(disposables).name == "d1"
    with disposables.channels.lock:
        assert disposables.refused("d1")
        assert not disposables.refused("alpha")  # not a disposable: nothing to dispose
    assert disposables.state("d1") is DisposableState.DISPOSING
    disposables.dispose("d1", "its call was refused")
    assert disposables.state("d1") is None and host.stopped == ["d1"]
    with disposables.channels.lock:
        disposables.paired("alpha")  # a target that is no disposable gets no state
    assert disposables.state("alpha") is None and not disposables.taken("alpha")


def test_a_disposable_that_will_not_stop_stays_taken(book):
    disposables, host = book
    assert start(disposables).name == "d1"
    assert start(disposables).name == "d2"
    with disposables.channels.lock:
        assert disposables.refused("d2")
    disposables.dispose("d2", "its call was refused")
    assert disposables.state("d2") is DisposableState.DISPOSING and disposables.taken("d2")
    assert start(disposables) is None  # d1 and d2 both taken: no third call gets either
