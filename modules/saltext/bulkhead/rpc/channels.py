"""The broker's bookkeeping of channels: which domain's channel is attached, which domains are
busy with a call, and the one lock (a condition) under which every part of the broker changes
them, its calls (calls.py) and its disposables (disposables.py).

Methods that say "under the lock" expect the caller to hold ``lock``; the others take it.
"""

from __future__ import annotations

import threading
import time

from .channel import Call, Endpoint


class Channels:
    def __init__(self) -> None:
        self.lock = threading.Condition()
        self._endpoints: dict[str, Endpoint] = {}
        # Domains deciding a call or in one as its caller, by NAME: a guest that drops its channel
        # and is attached again is still the same domain, in the same call.
        self.busy: set[str] = set()
        self.closing = False

    def add(self, endpoint: Endpoint) -> None:
        """Under the lock: ``endpoint`` is its domain's channel (it had none)."""
        self._endpoints[endpoint.name] = endpoint

    def has(self, name: str) -> bool:
        """Under the lock: ``name`` has a channel attached."""
        return name in self._endpoints

    def remove(self, endpoint: Endpoint) -> None:
        """Under the lock: ``endpoint`` is no longer its domain's channel (if it still was)."""
        if self._endpoints.get(endpoint.name) is endpoint:
            del self._endpoints[endpoint.name]

    def pop(self, name: str) -> Endpoint | None:
        """Under the lock: ``name``'s channel, which is no longer attached."""
        return self._endpoints.pop(name, None)

    def all(self) -> list[Endpoint]:
        """Under the lock: every attached channel."""
        return list(self._endpoints.values())

    def calls(self) -> list[Call]:
        """Under the lock: the calls under way, each once. A call is found through either domain:
        its caller's channel may be gone."""
        calls = {id(e.call): e.call for e in self._endpoints.values() if e.call is not None}
        return list(calls.values())

    def available(self, endpoint: Endpoint) -> bool:
        """Under the lock: free for a call."""
        return not (endpoint.name in self.busy or endpoint.peer is not None
                    or endpoint.draining is not None or endpoint.closed)

    def names(self) -> list[str]:
        with self.lock:
            return sorted(self._endpoints)

    def get(self, name: str) -> Endpoint | None:
        with self.lock:
            return self._endpoints.get(name)

    def wait_ready(self, name: str, timeout: float) -> Endpoint | None:
        """``name``'s channel once its guest daemon answered; None after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                endpoint = self._endpoints.get(name)
                if endpoint is not None and endpoint.ready.is_set():
                    return endpoint
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.lock.wait(min(remaining, 0.5))
