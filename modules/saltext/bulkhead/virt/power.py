"""A domain's power state as bulkhead acts on it: running, paused (and why), or off.

libvirt counts a paused domain as active, but its vCPUs are stopped: its guest agent cannot
answer, and nothing in it runs. Everything that would ask a guest asks ``power_of`` first, so a
paused domain costs a run no agent timeout; it is named "paused" with libvirt's reason in words.
Only a pause a user asked for (``virsh suspend``; or one libvirt cannot say why) may be undone
by bulkhead: any other reason (an I/O error on a disk, a watchdog, a crash, a migration, a
snapshot or save in progress) is libvirt's or the hypervisor's own, and resuming it would hide
the fault or race the job that paused it.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Any

import libvirt

# The one map of libvirt's domain states in bulkhead (the RPC policy's facts read it too).
STATES = {libvirt.VIR_DOMAIN_RUNNING: "running", libvirt.VIR_DOMAIN_BLOCKED: "running",
          libvirt.VIR_DOMAIN_PAUSED: "paused", libvirt.VIR_DOMAIN_SHUTOFF: "shutoff",
          libvirt.VIR_DOMAIN_SHUTDOWN: "shutting down", libvirt.VIR_DOMAIN_CRASHED: "crashed",
          libvirt.VIR_DOMAIN_PMSUSPENDED: "suspended"}
RESUMABLE = frozenset({libvirt.VIR_DOMAIN_PAUSED_USER, libvirt.VIR_DOMAIN_PAUSED_UNKNOWN})
PAUSE_REASONS = {
    libvirt.VIR_DOMAIN_PAUSED_UNKNOWN: "paused (libvirt does not say why)",
    libvirt.VIR_DOMAIN_PAUSED_USER: "paused by a user (virsh suspend)",
    libvirt.VIR_DOMAIN_PAUSED_MIGRATION: "paused for a migration",
    libvirt.VIR_DOMAIN_PAUSED_SAVE: "paused while its memory is saved",
    libvirt.VIR_DOMAIN_PAUSED_DUMP: "paused for a core dump",
    libvirt.VIR_DOMAIN_PAUSED_IOERROR: "paused by libvirt after an I/O error on a disk",
    libvirt.VIR_DOMAIN_PAUSED_WATCHDOG: "paused by its watchdog",
    libvirt.VIR_DOMAIN_PAUSED_FROM_SNAPSHOT: "paused after a snapshot was restored",
    libvirt.VIR_DOMAIN_PAUSED_SHUTTING_DOWN: "paused while shutting down",
    libvirt.VIR_DOMAIN_PAUSED_SNAPSHOT: "paused while a snapshot is taken",
    libvirt.VIR_DOMAIN_PAUSED_CRASHED: "paused after its guest crashed",
    libvirt.VIR_DOMAIN_PAUSED_STARTING_UP: "paused while libvirt starts it",
    libvirt.VIR_DOMAIN_PAUSED_POSTCOPY: "paused in a post-copy migration",
    libvirt.VIR_DOMAIN_PAUSED_POSTCOPY_FAILED: "paused after a failed post-copy migration",
}
_DISK_ERRORS = {libvirt.VIR_DOMAIN_DISK_ERROR_NO_SPACE: "no space left",
                libvirt.VIR_DOMAIN_DISK_ERROR_UNSPEC: "an error"}


@dataclass(frozen=True)
class Power:
    state: (
        str  # running | paused | shutoff | shutting down | crashed | suspended | other | undefined
    )
    why: str = ""  # for a paused or suspended domain: why, in words
    resumable: bool = (
        False  # paused by a user (or for no reason libvirt knows): bulkhead may resume
    )

    @property
    def answers(self) -> bool:
        """Can its guest agent answer now (its vCPUs run)?"""
        return self.state in ("running", "shutting down")

    @property
    def held(self) -> bool:
        """Active, but its guest does not run: paused or suspended."""
        return self.state in ("paused", "suspended")


def state_name(state: int) -> str:
    """libvirt's domain state (``dom.state()[0]``) in bulkhead's words; ``other`` if unknown."""
    return STATES.get(state, "other")


def pause_words(reason: int) -> str:
    return PAUSE_REASONS.get(reason, f"paused (libvirt's reason {reason})")


def _disk_errors(dom: Any) -> str:
    """Which disks failed, when libvirt recorded it (``virsh domblkerror``)."""
    with contextlib.suppress(libvirt.libvirtError):
        errors = dom.diskErrors(0) or {}
        named = [f"{disk}: {_DISK_ERRORS.get(code, f'error {code}')}"
                 for disk, code in sorted(errors.items()) if code]
        return f" ({'; '.join(named)})" if named else ""
    return ""


# A start another client asked for (one that may have died since: libvirtd finishes it anyway)
# keeps the domain paused "starting up" for seconds under TCG; it ends by itself.
STARTING_WAIT_S = 60.0
STARTING_POLL_S = 0.2


def starting_up(dom: Any | None) -> bool:
    if dom is None:
        return False
    with contextlib.suppress(libvirt.libvirtError):  # gone meanwhile: not starting
        return list(dom.state(0)) == [
            libvirt.VIR_DOMAIN_PAUSED,
            libvirt.VIR_DOMAIN_PAUSED_STARTING_UP,
        ]
    return False


def settled_power(dom: Any | None, wait: float = STARTING_WAIT_S) -> Power:
    """``power_of`` once a start in progress has ended (at most ``wait`` s; then as it is)."""
    deadline = time.monotonic() + wait
    while starting_up(dom) and time.monotonic() < deadline:
        time.sleep(STARTING_POLL_S)
    return power_of(dom)


def power_of(dom: Any | None) -> Power:
    if dom is None:
        return Power("undefined")
    state, reason = dom.state(0)
    name = state_name(state)
    if name == "paused":
        extra = _disk_errors(dom) if reason == libvirt.VIR_DOMAIN_PAUSED_IOERROR else ""
        return Power(name, pause_words(reason) + extra, reason in RESUMABLE)
    if name == "suspended":
        return Power(name, "suspended by its guest (S3, virsh dompmwakeup wakes it)")
    return Power(name)
