"""The filter's socket loop: one thread, one upstream connection per accepted client.

Bounds (per filter process, which serves one domain): ``max_connections`` clients at once (one
more is accepted and closed at once); per connection ``max_queued`` bytes and ``max_fds``
descriptors waiting for a peer. Requests wait in the kernel while the compositor's queue is over
``high_water`` (the client is simply not read), while events are always read (the compositor
must never block on a domain) and a client that does not read them is closed at the bound.
"""

from __future__ import annotations

import logging
import selectors
import socket
import time

from ...untrusted.text import printable
from . import control_wire
from .clipboard import new_marker
from .control import Control, Fetch
from .pair import Limits, Pair
from .wire import Violation

log = logging.getLogger("bulkhead.gui.filter")


class Relay:
    """Accepts clients on ``listener`` and relays each to a new connection to ``upstream``."""

    def __init__(self, listener: socket.socket, upstream: str, domain: str, limits: Limits,
                 control: socket.socket | None = None) -> None:
        self.listener, self.upstream, self.limits = listener, upstream, limits
        self.domain = printable(domain)
        self.pairs: set[Pair] = set()
        self.marker = new_marker()  # one per domain: its connections share one clipboard
        self.selector = selectors.DefaultSelector()
        listener.setblocking(False)
        self.selector.register(listener, selectors.EVENT_READ, None)
        self.control = (None if control is None
                        else Control(control, upstream, self.marker, self.unwatch))
        self.fetches: set[Fetch] = set()
        if control is not None:
            control.setblocking(False)
            self.selector.register(control, selectors.EVENT_READ, self.control)

    def serve_forever(self) -> None:
        while True:
            self.step(None)

    def step(self, timeout: float | None) -> None:
        if self.fetches:  # a copy waits for the domain's client at most until its deadline
            left = min(f.deadline for f in self.fetches) - time.monotonic()
            timeout = max(0.0, left if timeout is None else min(timeout, left))
        for key, mask in self.selector.select(timeout):
            if key.data is None:
                self.accept()
                continue
            if not isinstance(key.data, tuple):
                self.serve_control(key.data)
                continue
            pair, side = key.data
            if pair not in self.pairs:
                continue  # closed earlier in this round
            try:
                self.handle(pair, side, mask)
            except (Violation, OSError) as exc:
                self.close(pair, str(exc))
            else:
                self.rearm(pair)
        for fetch in [f for f in self.fetches if f.deadline <= time.monotonic()]:
            self.selector.unregister(fetch.fd)
            self.fetches.discard(fetch)
            fetch.finish(control_wire.error("the domain's client did not write its selection"))
            log.info("domain %s: copy: timed out", self.domain)

    def serve_control(self, what) -> None:
        """A control request (the socket itself), a copy's pipe, or the paste connection."""
        if isinstance(what, Control):
            watch, line = what.accept(self)
            if line:
                log.info("domain %s: %s", self.domain, printable(line))
            if isinstance(watch, Fetch):
                self.fetches.add(watch)
            if watch is not None:
                self.selector.register(watch.fd if isinstance(watch, Fetch) else watch.sock,
                                       selectors.EVENT_READ, watch)
        elif isinstance(what, Fetch):
            if what.ready():
                self.selector.unregister(what.fd)
                self.fetches.discard(what)
                log.info("domain %s: copy: answered", self.domain)
        elif not what.ready():  # the paste connection closed
            self.unwatch(what)
            self.control.forget(what)
            log.warning("domain %s: paste connection closed", self.domain)

    def unwatch(self, paster) -> None:
        if paster.sock in self.selector.get_map():
            self.selector.unregister(paster.sock)

    def handle(self, pair: Pair, side: str, mask: int) -> None:
        if mask & selectors.EVENT_WRITE:
            (pair.to_client if side == "client" else pair.to_upstream).flush(
                pair.client if side == "client" else pair.upstream)
        reader = pair.from_client if side == "client" else pair.from_upstream
        if mask & selectors.EVENT_READ and not reader():
            pair.to_client.flush(pair.client)  # a compositor's error event, if it can
            raise Violation(f"{side} closed the connection")
        pair.to_upstream.flush(pair.upstream)
        pair.to_client.flush(pair.client)

    def rearm(self, pair: Pair) -> None:
        """Read the client only while the compositor keeps up; wait for writable when queued."""
        reading = pair.to_upstream.bytes < self.limits.high_water
        client = (selectors.EVENT_READ if reading else 0) | (
            selectors.EVENT_WRITE if pair.to_client.bytes else 0)
        upstream = selectors.EVENT_READ | (selectors.EVENT_WRITE if pair.to_upstream.bytes else 0)
        self.watch(pair.client, client, (pair, "client"))
        self.watch(pair.upstream, upstream, (pair, "upstream"))

    def watch(self, sock: socket.socket, events: int, data: tuple[Pair, str]) -> None:
        watched = sock in self.selector.get_map()
        if events and watched:
            self.selector.modify(sock, events, data)
        elif events:
            self.selector.register(sock, events, data)
        elif watched:  # selectors cannot watch for nothing
            self.selector.unregister(sock)

    def accept(self) -> None:
        try:
            client, _ = self.listener.accept()
        except BlockingIOError:
            return
        if len(self.pairs) >= self.limits.max_connections:
            log.warning("domain %s: connection refused, %d already open", self.domain,
                        len(self.pairs))
            client.close()
            return
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(self.upstream)
        except OSError as exc:
            log.warning("domain %s: compositor unreachable: %s", self.domain, printable(str(exc)))
            client.close()
            upstream.close()
            return
        pair = Pair(client, upstream, self.limits, self.marker)
        for sock, side in ((client, "client"), (upstream, "upstream")):
            sock.setblocking(False)
            self.selector.register(sock, selectors.EVENT_READ, (pair, side))
        self.pairs.add(pair)
        log.info("domain %s: connection opened (%d open)", self.domain, len(self.pairs))

    def close(self, pair: Pair, reason: str) -> None:
        # Logged first: whoever sees the connection end can rely on the line being written.
        log.info("domain %s: connection closed: %s", self.domain, printable(reason))
        for sock in (pair.client, pair.upstream):
            if sock in self.selector.get_map():
                self.selector.unregister(sock)
        pair.close()
        self.pairs.discard(pair)
