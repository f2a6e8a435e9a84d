"""A hostile guest against its GUI channel, on the relay's real code (gui/relay.py) over unix
sockets: frames over the bound, or never reading what the relay sends, end that domain's relay
after it held at most one read of the guest's bytes, and another domain's relay keeps working.

The relay's session client (waypipe client in its sandbox, in production) is here the other end
of a socketpair the test holds: what the guest's frames carry arrives there, and bytes written
there are what the relay must send to the guest."""

from __future__ import annotations

import logging
import queue
import socket
import threading

import pytest

from saltext.bulkhead.gui.frames import HEADER, MAX_FRAME, frame
from saltext.bulkhead.gui.relay import CHUNK, Relay, RelayTarget
from saltext.bulkhead.model import Label

ENDED_WITHIN_S = 60  # a deadline for the relay to end, not a measurement


class SocketRelay(Relay):
    """The real relay, its session client a socketpair end handed to the test."""

    def __init__(self, domain: str, folder, send_timeout: float = 60.0):
        target = RelayTarget(domain, Label.red, 0, 0, folder / domain, "/nonexistent", folder)
        self.guest, channel = socket.socketpair()
        super().__init__(target, channel, logging.getLogger("test"), send_timeout)
        self.clients: queue.Queue[socket.socket] = queue.Queue()

    def _start_client(self) -> socket.socket:
        ours, theirs = socket.socketpair()
        self.clients.put(theirs)
        return ours


@pytest.fixture
def relays(tmp_path):
    started: list[SocketRelay] = []

    def start(domain: str, **kwargs) -> SocketRelay:
        relay = SocketRelay(domain, tmp_path, **kwargs)
        relay.start()
        started.append(relay)
        return relay

    yield start
    for relay in started:
        relay.stop()
        relay.join(ENDED_WITHIN_S)
        relay.guest.close()


def _still_serves(relay: SocketRelay) -> None:
    """A frame from the guest reaches the session's client, and the client's answer the guest."""
    client = relay.clients.get(timeout=ENDED_WITHIN_S)
    relay.guest.sendall(frame(b"hello"))
    assert client.recv(5) == b"hello"
    client.sendall(b"events")
    assert relay.guest.recv(6) == b"events"


def test_a_frame_over_the_bound_ends_its_relay_and_no_other(relays):
    hostile, other = relays("hostile"), relays("other")
    client = hostile.clients.get(timeout=ENDED_WITHIN_S)
    sent = 0
    hostile.guest.settimeout(ENDED_WITHIN_S)
    try:
        hostile.guest.sendall(HEADER.pack(MAX_FRAME + 1))
        while sent < 64 * MAX_FRAME:  # keeps flooding until the relay closes the channel
            hostile.guest.sendall(b"x" * CHUNK)
            sent += CHUNK
    except (BrokenPipeError, ConnectionResetError):
        pass
    hostile.join(ENDED_WITHIN_S)
    assert not hostile.is_alive()
    assert sent < 64 * MAX_FRAME, "the relay closed the channel while the guest was flooding"
    client.settimeout(ENDED_WITHIN_S)
    assert client.recv(CHUNK) == b"", "nothing of the oversized frame reached the client"
    _still_serves(other)


def test_frames_at_the_bound_pass_whole(relays):
    relay = relays("big")
    client = relay.clients.get(timeout=ENDED_WITHIN_S)
    client.settimeout(ENDED_WITHIN_S)
    payload = bytes(range(256)) * (MAX_FRAME // 256)
    received = bytearray()

    def read() -> None:
        while len(received) < 8 * MAX_FRAME:
            received.extend(client.recv(CHUNK))

    reader = threading.Thread(target=read)
    reader.start()
    for _ in range(8):
        relay.guest.sendall(frame(payload))
    reader.join(ENDED_WITHIN_S)
    assert bytes(received) == payload * 8
    assert relay.is_alive()


def test_a_guest_that_never_reads_ends_its_relay_and_no_other(relays):
    hostile, other = relays("deaf", send_timeout=1.0), relays("other")
    client = hostile.clients.get(timeout=ENDED_WITHIN_S)
    client.settimeout(ENDED_WITHIN_S)
    written = 0
    try:
        while written < 1 << 30:  # the compositor's events for a guest that reads none of them
            client.sendall(b"e" * CHUNK)
            written += CHUNK
    except (BrokenPipeError, ConnectionResetError):
        pass
    hostile.join(ENDED_WITHIN_S)
    assert not hostile.is_alive()
    assert written < 1 << 30, "the relay stopped taking bytes, then closed"
    _still_serves(other)


def test_a_session_client_that_resets_ends_the_session_not_the_relay(relays):
    """The filter closing a hostile client's display ends waypipe client, which resets its
    connection to the relay (bytes unread): the next session gets a fresh client over the same
    channel, and the relay lives on."""
    relay = relays("reset")
    client = relay.clients.get(timeout=ENDED_WITHIN_S)
    client.settimeout(ENDED_WITHIN_S)
    relay.guest.sendall(frame(b"unread"))
    client.recv(1, socket.MSG_PEEK)  # the relay's bytes wait in the client's buffer
    client.close()  # with bytes unread: the relay's next read is a reset
    _still_serves(relay)
    assert relay.is_alive()
