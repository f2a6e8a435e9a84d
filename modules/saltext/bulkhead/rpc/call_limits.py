"""How long a call may run and how much it may send back (the state of one call under way is
``channel.Call``).

A service that never exits would otherwise hold both domains until a channel drops (one call at
a time per domain), and a target could stream output to its caller without end. The broker ends
such a call itself: the caller gets EXIT ``TIMEOUT_RC`` or ``OUTPUT_LIMIT_RC``, the target gets
CANCEL and stays unavailable until its daemon confirms with the service's EXIT. A target that does
not confirm within ``cancel_grace_s`` has its channel dropped (the watcher reconnects it); a side
that does not read what it is sent is dropped by its outbox (outbox.py), so neither domain is held.
"""

from __future__ import annotations

from dataclasses import dataclass

TIMEOUT_RC = 124  # the call ran longer than its time limit (timeout(1) uses the same status)
OUTPUT_LIMIT_RC = 125  # the target sent more output than the caller may receive
DEFAULT_TIMEOUT_S = 3600
DEFAULT_MAX_OUTPUT_MIB = 1024
MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class CallLimits:
    timeout_s: float = DEFAULT_TIMEOUT_S
    max_output: int = DEFAULT_MAX_OUTPUT_MIB * MIB  # bytes of DATA from the target to the caller
    cancel_grace_s: float = 10.0

    def __post_init__(self) -> None:
        if self.timeout_s <= 0 or self.max_output < 0 or self.cancel_grace_s <= 0:
            raise ValueError(f"call limits must be positive: {self}")

