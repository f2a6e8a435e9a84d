"""libvirt's default error handler prints every error to stderr, which is a daemon's log: expected
ones such as "domain not found" during lookups, and one line per try while libvirtd is away.
Errors still reach us as libvirtError exceptions; whoever opens connections silences it once."""

from __future__ import annotations

import threading

import libvirt

_handler_lock = threading.Lock()
_handler_installed = False


def _quiet(_ctx: object, _err: object) -> None:
    return None


def silence_libvirt() -> None:
    global _handler_installed
    with _handler_lock:
        if not _handler_installed:
            libvirt.registerErrorHandler(_quiet, None)
            _handler_installed = True
