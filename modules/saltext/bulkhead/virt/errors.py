"""Errors of the virt layer, phrased for the admin reading a Salt state's comment."""

from __future__ import annotations


class BulkheadVirtError(RuntimeError):
    """A libvirt operation failed or an object bulkhead must not touch is in the way."""
