"""The one place bulkhead opens libvirt connections."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import libvirt

from ..libvirt_quiet import silence_libvirt
from .errors import BulkheadVirtError


@contextmanager
def connect(uri: str) -> Iterator[libvirt.virConnect]:
    """Open ``uri`` read-write and always close it; failures name the URI."""
    silence_libvirt()
    try:
        conn = libvirt.open(uri)
    except libvirt.libvirtError as exc:
        raise BulkheadVirtError(f"cannot connect to libvirt at {uri}: {exc.get_error_message()}") from None
    if conn is None:  # older bindings returned None instead of raising
        raise BulkheadVirtError(f"cannot connect to libvirt at {uri}")
    try:
        yield conn
    finally:
        conn.close()
