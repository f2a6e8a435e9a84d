"""The ``qubes.Filecopy`` service in the receiving guest: unpack the caller's stream under
``/rw/incoming/<source>/`` with the confined, all-or-nothing receiver. ``<source>`` is what the
broker vouched for (``BULKHEAD_RPC_SOURCE`` set by bulkhead-rpcd), never a name from the stream."""

from __future__ import annotations

import os
import sys

from ..filecopy import FileCopyError, receive

INCOMING = "/rw/incoming"


def _answer(line: str) -> None:
    """Tell the caller; a caller already gone (its channel lost) changes nothing here."""
    try:
        print(line, flush=True)
    except OSError:  # and the exit's flush of what is still buffered must not complain either
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main(incoming: str = INCOMING) -> int:
    source = os.environ.get("BULKHEAD_RPC_SOURCE", "")
    try:
        os.makedirs(incoming, mode=0o755, exist_ok=True)
        received = receive(sys.stdin.buffer, incoming, source)
    except (FileCopyError, OSError) as exc:
        _answer(f"refused: {exc}")
        return 1
    names = ", ".join(received.placed)
    _answer(f"received {received.entries} entries, {received.bytes} bytes: {names}")
    return 0
