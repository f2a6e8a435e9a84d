"""The ``qubes.Filecopy`` service in the receiving guest: unpack the caller's stream under
``/rw/incoming/<source>/`` with the confined, all-or-nothing receiver. ``<source>`` is what the
broker vouched for (``BULKHEAD_RPC_SOURCE`` set by bulkhead-rpcd), never a name from the stream."""

from __future__ import annotations

import os
import sys

from ..filecopy import FileCopyError, receive

INCOMING = "/rw/incoming"


def main(incoming: str = INCOMING) -> int:
    source = os.environ.get("BULKHEAD_RPC_SOURCE", "")
    try:
        os.makedirs(incoming, mode=0o755, exist_ok=True)
        received = receive(sys.stdin.buffer, incoming, source)
    except (FileCopyError, OSError) as exc:
        print(f"refused: {exc}", flush=True)
        return 1
    names = ", ".join(received.placed)
    print(f"received {received.entries} entries, {received.bytes} bytes: {names}", flush=True)
    return 0
