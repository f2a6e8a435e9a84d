"""A domain's channel as the broker holds it (``Endpoint``) and one call pairing two of them
(``Call``): the state every part of the broker changes under its one lock (channels.py).

An endpoint's socket is read by one reader thread and written by its outbox's one writer thread;
the last of the two to finish closes it (``close`` only shuts it down, which ends both), so no
thread ever uses a descriptor number the kernel has already given to another socket.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable

from .call_limits import CallLimits
from .guest_limits import GuestLimits
from .outbox import Outbox


class Endpoint:
    """One domain's channel. ``name`` is the broker's own knowledge of whose socket this is."""

    def __init__(self, name: str, sock: socket.socket, limits: GuestLimits,
                 on_stuck: Callable[[Endpoint, str], None]):
        self.name = name
        self.sock = sock
        self.ready = threading.Event()  # the guest daemon answered our HELLO
        self.peer: Endpoint | None = None
        self.is_target = False
        self.call: Call | None = None  # the call this domain is in, as caller or target
        self.draining: Call | None = None  # a call the broker ended whose service has not confirmed
        self.closed = False
        self.attached_at = time.monotonic()
        self._users = 2  # the reader and the writer
        self._users_lock = threading.Lock()
        self.outbox = Outbox(sock, name, limits, lambda why: on_stuck(self, why), self.release)

    def send(self, frame: bytes) -> bool:
        """Queue ``frame``; never waits (a guest that lets its queue overflow is dropped)."""
        return self.outbox.put(frame)

    def send_in_call(self, frame: bytes, call: Call) -> bool:
        """Relay ``frame`` only while this domain is still in ``call``: data of a call the broker
        has just ended must not reach the domain after its EXIT (or slip into its next call).
        Waits for room (back-pressure on the sender), at most the send timeout."""
        return self.outbox.put_when_room(frame, lambda: self.call is call)

    def close(self) -> None:
        self.closed = True
        self.outbox.close()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def release(self) -> None:
        """The reader or the writer is done with the socket; the last one closes it."""
        with self._users_lock:
            self._users -= 1
            last = self._users == 0
        if last:
            self.closed = True
            self.sock.close()


class Call:
    """One allowed call, from pairing to its end. Fields other than ``output`` change only under
    the broker's lock; ``output`` only in the target's reader thread."""

    def __init__(self, caller: Endpoint, target: Endpoint, what: str, limits: CallLimits,
                 started: float):
        self.caller = caller
        self.target = target
        self.what = what
        self.limits = limits
        self.output = 0
        self.deadline = started + limits.timeout_s  # time.monotonic()
        # Set once the broker ended the call itself:
        self.cancel_sent = False  # the target's CANCEL has been sent
        self.acked = False  # the target's daemon answered with the service's EXIT
        self.watchdogs: list[threading.Timer] = []

    def take_output(self, size: int) -> int:
        """How many of ``size`` more output bytes may still go to the caller."""
        allowed = max(0, min(size, self.limits.max_output - self.output))
        self.output += allowed
        return allowed

    @property
    def settled(self) -> bool:
        """A call the broker ended: the target has confirmed, after being told, that it is free."""
        return self.cancel_sent and self.acked

    def stop_watchdogs(self) -> None:
        for watchdog in self.watchdogs:
            watchdog.cancel()
