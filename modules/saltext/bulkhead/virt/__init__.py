"""Apply: converge libvirt to the plan, touching only objects stamped with bulkhead's metadata.

Each reconcile function returns an ``Outcome``; with ``test=True`` it reports the same changes and
makes no mutating libvirt call.
"""

from ..reconcile import Outcome
from .connection import connect
from .counting import CallLog, counting
from .domain import domain_present
from .errors import BulkheadVirtError
from .hypervisor import kvm_usable, resolve
from .inventory_cache import InventoryCache
from .lifecycle import domain_absent, domain_halted, domain_running
from .network import network_absent, network_present
from .pool import pool_present
from .prune import workstation_pruned
from .run_connection import on_run_connection
from .tracked import cache_of, tracked

__all__ = [
    "BulkheadVirtError", "CallLog", "InventoryCache", "Outcome", "cache_of", "connect", "counting",
    "domain_absent", "domain_halted", "domain_present", "domain_running", "kvm_usable",
    "network_absent", "network_present", "on_run_connection", "pool_present", "resolve", "tracked",
    "workstation_pruned",
]
