"""Memory balancing (the role of Qubes' qmemman) for virtio-balloon domains, Salt-free.

The daemon (``memd/``) feeds :func:`balance` each running domain's bounds and balloon statistics
(:meth:`DomainMemory.from_stats`) and sets the returned targets; before starting a domain it asks
:func:`request_memory`. Everything here is pure: same inputs, same answer.
"""

from .admission import Admission, request_memory
from .balance import Decision, InsufficientMemory, balance
from .config import BalancerConfig
from .domain import KIB_PER_MIB, DomainMemory
from .preference import preferred_kib
from .stats import BalloonStats

__all__ = [
    "KIB_PER_MIB",
    "Admission",
    "BalancerConfig",
    "BalloonStats",
    "Decision",
    "DomainMemory",
    "InsufficientMemory",
    "balance",
    "preferred_kib",
    "request_memory",
]
