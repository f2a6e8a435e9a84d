"""Host boot: which domains start, in which order (``order``), and starting them (``sequence``).

libvirt's own autostart is never used: it would start domains before bulkhead-memd can admit
them and in no netvm order. ``bulkhead boot`` (run by bulkhead-boot.service) does it instead.
"""

from .order import boot_order

__all__ = ["boot_order"]
