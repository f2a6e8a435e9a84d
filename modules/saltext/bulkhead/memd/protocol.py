"""bulkhead-memd's socket protocol: one JSON object per line in, one per line out.

``{"op": "request", "domain": NAME, "mib": N}`` frees N MiB for NAME, about to start:
``{"ok": true}`` once done, ``{"ok": false, "error": ..., "need_mib", "available_mib"}`` when it
cannot be done without overcommitting. ``{"op": "status"}`` returns the current targets. Anything
else gets an error
reply; a client can never make the daemon fail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..memory.admission import Admission
from ..memory.domain import KIB_PER_MIB
from ..untrusted.json_value import loads as load_json
from .daemon import DaemonState

MAX_LINE = 4096
"""Longest request accepted: a real one is well under 100 bytes."""

Requester = Callable[[str, int], Admission]
"""Frees KiB for a domain: the daemon binds it to its connection and state."""


def handle_line(line: bytes, requester: Requester, state: DaemonState) -> dict[str, Any]:
    try:
        message = load_json(line, max_bytes=MAX_LINE)  # bounded depth: never RecursionError
    except ValueError as error:
        return _error(f"not JSON: {error}")
    if not isinstance(message, dict):
        return _error("expected a JSON object")
    op = message.get("op")
    if op == "status":
        return _status(state)
    if op == "request":
        return _request(message, requester)
    return _error(f"unknown op {op!r} (expected 'request' or 'status')")


def _request(message: dict[str, Any], requester: Requester) -> dict[str, Any]:
    name, mib = message.get("domain"), message.get("mib")
    if not isinstance(name, str) or not name:
        return _error("'domain' must be a non-empty string")
    if isinstance(mib, bool) or not isinstance(mib, int) or mib <= 0:
        return _error("'mib' must be a positive integer")
    try:
        admission = requester(name, mib * KIB_PER_MIB)
    except Exception as error:  # libvirt down, meminfo unreadable: the client must not start
        return _error(f"cannot free memory: {error}")
    if not admission.granted:
        short = -(-admission.short_kib // KIB_PER_MIB)  # round up: never claim more than there is
        available = max(0, mib - short)
        reply = _error(f"cannot free {mib} MiB for {name} without overcommitting: "
                       f"{available} MiB available, {short} MiB short")
        return {**reply, "domain": name, "need_mib": mib, "available_mib": available}
    return {"ok": True}


def _status(state: DaemonState) -> dict[str, Any]:
    with state.lock:
        last = state.last
        return {
            "ok": True,
            "capacity_kib": state.capacity_kib,
            "targets_kib": dict(last.targets) if last else {},
            "preferences_kib": dict(last.preferences) if last else {},
            "short": last.short if last else False,
            "held_kib": {name: kib for name, (kib, _) in state.held.items()},
        }


def _error(text: str) -> dict[str, Any]:
    return {"ok": False, "error": text}
