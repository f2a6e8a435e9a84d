"""The one place bulkhead opens libvirt connections."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import libvirt

from .errors import BulkheadVirtError

_handler_lock = threading.Lock()
_handler_installed = False


def _quiet(_ctx: object, _err: object) -> None:
    # libvirt's default handler prints every error to stderr, including expected ones such as
    # "domain not found" during lookups; errors still reach us as libvirtError exceptions.
    return None


def silence_libvirt() -> None:
    global _handler_installed
    with _handler_lock:
        if not _handler_installed:
            libvirt.registerErrorHandler(_quiet, None)
            _handler_installed = True


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
