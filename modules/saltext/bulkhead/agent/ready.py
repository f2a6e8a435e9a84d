"""Waiting for a freshly started guest's agent: one ping that waits, not pings on a fixed beat.

QEMU holds what the host writes into the agent channel until the guest's agent opens its port, so
a ping sent while the guest boots is read, and answered, the moment the agent serves. Short pings
sent again on a beat cost up to a beat each boot, and on a loaded TCG host, where an answer can
take longer than the ping waits, never succeed: each next ping reads the late answer to the one
before. A ping is sent again only when its connection failed (no socket yet) or after PING_WAIT_S,
in case something in the booting guest read it.
"""

from __future__ import annotations

import time
from pathlib import Path

from .client import AgentClient
from .protocol import AgentError, AgentTimeout

PING_WAIT_S = 30.0
RETRY_S = 0.2  # after a failed connection: the socket appears as QEMU starts


def wait_answering(socket_path: str | Path, timeout: float) -> AgentClient:
    """The client of an agent that answered a ping within ``timeout`` seconds; else the last
    AgentError (AgentTimeout when no ping was ever answered in time)."""
    deadline = time.monotonic() + timeout
    client = AgentClient(socket_path)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AgentTimeout(f"{socket_path}: no answer to a ping within {timeout:g}s")
        try:
            client.request("ping", timeout=min(remaining, PING_WAIT_S))
            return client
        except AgentError as exc:
            if time.monotonic() + RETRY_S >= deadline:
                raise exc from None
        time.sleep(RETRY_S)
