"""Before a domain starts, ask bulkhead-memd to free its initial memory (when the pillar runs one).

The daemon answers only once the memory is free (donors' balloon targets set) and holds it for
the domain for a while; it refuses when that would overcommit the host. A refusal, or a daemon
that does not answer, stops the start: with a balancer configured, starting without asking could
take memory the balancer has promised to the running domains.
"""

from __future__ import annotations

from pathlib import Path

from ..memd_client import ask
from .errors import BulkheadVirtError

ASK_TIMEOUT_S = 60.0


def reserve_start_memory(socket: Path, name: str, mib: int) -> None:
    """Return once bulkhead-memd has freed ``mib`` MiB for ``name``; BulkheadVirtError if not."""
    try:
        reply = ask(socket, {"op": "request", "domain": name, "mib": mib}, timeout=ASK_TIMEOUT_S)
    except (OSError, ValueError) as error:  # no daemon, socket gone, reply cut short
        raise BulkheadVirtError(
            f"cannot ask bulkhead-memd at {socket} for {mib} MiB for {name} ({error}); not "
            f"starting "
            f"{name} (bulkhead:memory is set: domains start only with memory the balancer freed)"
        ) from error
    if not isinstance(reply, dict) or reply.get("ok") is not True:
        if isinstance(reply, dict) and isinstance(reply.get("available_mib"), int):
            raise BulkheadVirtError(
                f"not enough memory to start {name}: asked {mib} MiB, {reply['available_mib']} MiB "
                f"available without overcommitting the host (its reserve and the running domains' "
                f"preferences are kept); nothing was started"
            )
        error = reply.get("error") if isinstance(reply, dict) else reply
        raise BulkheadVirtError(f"bulkhead-memd refused {mib} MiB for {name}: {error}")
