"""virt's reconcile Work: a step's libvirt error is a failed outcome naming the step, no crash."""

from __future__ import annotations

from typing import ClassVar

import libvirt

from ..reconcile import Work
from .errors import BulkheadVirtError


class LibvirtWork(Work):
    # str() of a libvirtError is libvirt's own message (its get_error_message())
    failures: ClassVar[tuple[type[Exception], ...]] = (
        libvirt.libvirtError, BulkheadVirtError, OSError)
