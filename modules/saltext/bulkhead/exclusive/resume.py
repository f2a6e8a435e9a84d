"""Undo exactly the pauses a record names, and nothing else.

A named domain is resumed only when it is still the same run of it (same libvirt id; after a
host reboot ids start again, so the uuid must do) and still paused for a reason bulkhead may
undo (``virt.power.RESUMABLE``: a user's pause). One paused by libvirt meanwhile (an I/O error,
a snapshot) stays paused; one gone or restarted is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import libvirt

from ..virt.power import RESUMABLE, pause_words
from .record import Paused, Record, boot_id


@dataclass(frozen=True, slots=True)
class Resumed:
    name: str
    done: str  # what happened, in words
    ok: bool = True  # False: libvirt refused the resume (the record keeps the domain)


def _lookup(conn: Any, uuid: str) -> Any | None:
    try:
        return conn.lookupByUUIDString(uuid)
    except libvirt.libvirtError as exc:
        if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
            return None
        raise


def resume_one(conn: Any, paused: Paused, same_boot: bool) -> Resumed:
    try:
        dom = _lookup(conn, paused.uuid)
        if dom is None or not dom.isActive():
            return Resumed(paused.name, "no longer runs: nothing to resume")
        if same_boot and dom.ID() != paused.id:
            return Resumed(paused.name, "was restarted since it was paused: left as it is")
        state, reason = dom.state(0)
        if state != libvirt.VIR_DOMAIN_PAUSED:
            return Resumed(paused.name, "is no longer paused")
        if reason not in RESUMABLE:
            return Resumed(paused.name, f"{pause_words(reason)} since: left paused")
        dom.resume()
    except libvirt.libvirtError as exc:
        return Resumed(paused.name, f"not resumed: {exc.get_error_message()}", ok=False)
    return Resumed(paused.name, "resumed")


def resume_all(conn: Any, record: Record) -> list[Resumed]:
    """Resume every domain ``record`` paused (each attempted, whatever the others did)."""
    same_boot = record.holder.boot == boot_id()
    return [resume_one(conn, paused, same_boot) for paused in record.paused]
