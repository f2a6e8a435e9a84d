"""The outbox to one guest over a real socketpair, for any mix of control and relayed frames and any
reading by the guest: never more than ``max_queued`` bytes wait, what the guest reads is the frames
put, whole and in order, and a guest that stops reading is reported stuck (and dropped, as the
broker does) instead of holding up whoever puts."""

from __future__ import annotations

import socket
import threading
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.rpc.guest_limits import FRAME, GuestLimits
from saltext.bulkhead.rpc.outbox import Outbox
from saltext.bulkhead.rpcwire.frames import MAX_DATA, Decoder, Frame, Kind, encode

LIMITS = GuestLimits(send_timeout_s=0.2, data_queued=FRAME, control_queued=4096)
SLACK = 3.0  # a guard against waiting for ever, far above any scheduling delay; not a timing


class Guest:
    """The peer end of the channel, read by the test; the host end is written by an Outbox whose
    owner drops the channel when told it is stuck (closes the outbox, shuts the socket down)."""

    def __init__(self) -> None:
        host, self.sock = socket.socketpair()
        host.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)  # the queue fills soon
        self.host = host
        self.stuck: list[str] = []
        self.writer_done = threading.Event()
        self.outbox = Outbox(host, "guest", LIMITS, self._drop, self.writer_done.set)
        self.put: list[Frame] = []  # what the outbox took, in order
        self.decoder = Decoder()
        self.received: list[Frame] = []

    def _drop(self, why: str) -> None:
        self.stuck.append(why)
        self.outbox.close()
        self.host.shutdown(socket.SHUT_RDWR)

    def send(self, frame: Frame) -> bool:
        encoded = encode(frame.kind, frame.payload)
        if frame.kind is Kind.DATA:
            taken = self.outbox.put_when_room(encoded, lambda: True)
        else:
            taken = self.outbox.put(encoded)
        if taken:
            self.put.append(frame)
        assert self.outbox.queued <= LIMITS.max_queued
        return taken

    def read(self, most: int, wait: bool = False) -> bool:
        """Read up to ``most`` bytes (without waiting unless ``wait``); False at end of stream."""
        try:
            chunk = self.sock.recv(most, 0 if wait else socket.MSG_DONTWAIT)
        except BlockingIOError:
            return True
        self.received += self.decoder.feed(chunk)  # raises FrameError on anything not whole
        return bool(chunk)

    def close(self) -> None:
        self.outbox.close()
        self.writer_done.wait(SLACK + LIMITS.send_timeout_s)
        self.host.close()
        self.sock.close()


def frame(number: int, kind: str, size: int) -> Frame:
    """A frame that names its place in the sequence, so reordering or loss shows."""
    mark = number.to_bytes(4, "big")
    if kind == "data":
        return Frame(Kind.DATA, (mark * (size // 4 + 1))[:size])
    return Frame(Kind.RESULT, mark + b"r" * size) if size else Frame(Kind.EOF)


frames = st.tuples(st.sampled_from(["data", "control"]), st.integers(0, MAX_DATA))
control = st.tuples(st.just("control"), st.integers(0, 300))
steps = st.lists(st.one_of(frames.filter(lambda f: f[0] == "data" or f[1] <= 300), control,
                           st.tuples(st.just("read"), st.integers(0, 200_000))), max_size=25)


@settings(max_examples=25, deadline=None)
@given(steps)
def test_what_the_guest_reads_is_what_was_put_whole_and_in_order(steps):
    guest = Guest()
    try:
        for number, (what, size) in enumerate(steps):
            if what == "read":
                guest.read(size)
            else:
                guest.send(frame(number, what, max(size, 1) if what == "data" else size))
        guest.sock.settimeout(SLACK + LIMITS.send_timeout_s)
        while len(guest.received) < len(guest.put) and guest.read(1 << 16, wait=True):
            pass
        # All of it, or (only if the guest was reported stuck and dropped) the first part of it.
        assert guest.received == guest.put[:len(guest.received)]
        assert guest.received == guest.put or guest.stuck
    finally:
        guest.close()


@settings(max_examples=15, deadline=None)
@given(st.lists(frames.filter(lambda f: f[0] == "data" or f[1] <= 300), min_size=1, max_size=8))
def test_a_guest_that_stops_reading_is_reported_stuck_and_never_holds_up_a_put(cycle):
    guest = Guest()
    try:
        number = 0
        while not guest.stuck and number < 100_000:
            what, size = cycle[number % len(cycle)]
            started = time.monotonic()
            taken = guest.send(frame(number, what, max(size, 1) if what == "data" else size))
            # put never waits; put_when_room waits for room at most the send timeout
            waited = LIMITS.send_timeout_s if what == "data" else 0.0
            assert time.monotonic() - started < waited + SLACK
            assert taken or guest.stuck
            number += 1
        assert guest.stuck
        assert not guest.send(frame(number, "control", 1))  # dropped: nothing more is taken
        assert guest.writer_done.wait(SLACK + LIMITS.send_timeout_s)  # the writer let go
        guest.sock.settimeout(SLACK)
        while guest.read(1 << 16, wait=True):  # what got through before the drop, in order
            pass
        assert guest.received == guest.put[:len(guest.received)]
    finally:
        guest.close()
