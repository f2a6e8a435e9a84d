"""The host side of the guest-agent protocol: a request line to a domain's agent, its answer back.

Used by virt (shutdown, live firewalls), verify (commands in guests), image (``bulkhead image
ping|run``) and the tests. The guest side is a shell script in the image
(``image/guest/agent-protocol.sh``); the channel's name and socket path are in ``plan/names.py``.
"""

from .client import AgentClient
from .protocol import (
    MAX_LINE,
    MAX_STDIN,
    AgentError,
    AgentProtocolError,
    AgentRequestFailed,
    AgentTimeout,
    RunResult,
)

__all__ = ["MAX_LINE", "MAX_STDIN", "AgentClient", "AgentError", "AgentProtocolError", "AgentRequestFailed",
           "AgentTimeout", "RunResult"]
