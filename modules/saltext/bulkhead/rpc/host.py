"""The broker's view of the host: the system the policy is evaluated against, which domains are
running (whose channels to open), starting a domain when the policy's autostart allows it,
destroying a disposable after its call, and creating and deleting disposables on demand
(dispvm_factory.py).

``LibvirtHost`` is the real one; ``StaticHost`` serves a fixed SYSTEM.json-style system and
starts nothing (``bulkhead rpc broker --system``: policy experiments without libvirt).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Protocol

import libvirt

from ..apply_lock import LockTimeout, pillar_lock
from ..exclusive.holding import wait_while_held
from ..model import Pillar, load_pillar
from ..policy import System
from ..virt import BulkheadVirtError, connect, domain_running
from .dispvm_factory import BROKER_LOCK_WAIT_S, REGISTRY_DIR, DispvmError, DispvmFactory
from .facts import libvirt_domains, system_from


class StartError(Exception):
    """The target could not be started."""


class StopError(Exception):
    """A disposable could not be shut down."""


class Host(Protocol):
    def system(self) -> System: ...

    def running(self) -> list[str]: ...

    def start(self, name: str) -> None: ...

    def stop(self, name: str) -> None: ...

    def create_disposable(self, template: str) -> str: ...

    def remove_disposable(self, name: str) -> None: ...

    def remove_leftovers(self, earlier: bool = True) -> list[str]: ...


class StaticHost:
    def __init__(self, system: System):
        self._system = system

    def system(self) -> System:
        return self._system

    def running(self) -> list[str]:
        return sorted(n for n, d in self._system.guests.items() if d.running)

    def start(self, name: str) -> None:
        raise StartError(f"{name} is not running and this broker starts no domains")

    def stop(self, name: str) -> None:
        """Nothing this host serves was started by the broker: only a running domain is an error."""
        info = self._system.guest(name)
        if info is not None and info.running:
            raise StopError(f"{name} is running and this broker stops no domains")

    def create_disposable(self, template: str) -> str:
        raise StartError(f"no free disposable of {template} and this broker creates no domains")

    def remove_disposable(self, name: str) -> None:
        raise StopError(f"{name}: this broker created no domains")

    def remove_leftovers(self, earlier: bool = True) -> list[str]:
        return []


class LibvirtHost:
    """Facts from libvirt plus the pillar the formula installed for the broker (a JSON file of
    the ``bulkhead`` pillar key, re-read when it changes)."""

    def __init__(self, uri: str, pillar_file: Path, dispvm_registry: Path = REGISTRY_DIR):
        self._uri = uri
        self._pillar_file = pillar_file
        self._pillar: Pillar | None = None
        self._stamp: tuple[int, int] | None = None
        self._lock = threading.Lock()  # the broker's threads share the pillar cache
        self.dispvms = DispvmFactory(uri, self.pillar, dispvm_registry)

    def pillar(self) -> Pillar:
        with self._lock:
            st = self._pillar_file.stat()
            stamp = (st.st_mtime_ns, st.st_size)
            if self._pillar is None or stamp != self._stamp:
                self._pillar = load_pillar(
                    json.loads(self._pillar_file.read_text(encoding="utf-8"))
                )
                self._stamp = stamp
            return self._pillar

    def system(self) -> System:
        with connect(self._uri) as conn:
            pillar = self.pillar()
            return system_from(pillar, libvirt_domains(conn, pillar.workstation))

    def running(self) -> list[str]:
        pillar = self.pillar()
        known = set(pillar.domains) | set(self.dispvms.live())
        with connect(self._uri) as conn:  # only this workstation's channels are attached
            return sorted(
                n
                for n, (power, _uuid) in libvirt_domains(conn, pillar.workstation).items()
                if power == "Running" and n in known
            )

    def start(self, name: str) -> None:
        """The same convergence the ``running`` state does (fresh root from the template...),
        except that a paused domain stays paused: a guest's call does not undo an admin's pause
        (as in Qubes, where starting a paused qube leaves it paused); the start fails naming
        the pause."""
        pillar = self.pillar()
        who = wait_while_held(Path(pillar.formula.paths.exclusive), BROKER_LOCK_WAIT_S)
        if who is not None:  # it would run beside the domain exclusive mode isolates
            raise StartError(f"starting {name} failed: {who}, waited {BROKER_LOCK_WAIT_S:.0f}s")
        try:  # a guest's call waits for a running apply's state, within a bound
            with pillar_lock(pillar, BROKER_LOCK_WAIT_S), connect(self._uri) as conn:
                outcome = domain_running(conn, pillar, name, resume=False)
        except LockTimeout as exc:
            raise StartError(f"starting {name} failed: {exc}") from None
        if outcome.result is not True:
            raise StartError(f"starting {name} failed: {outcome.comment}")

    def stop(self, name: str) -> None:
        """Destroy (power off at once): only used for disposables, where nothing is kept, and the
        next start recreates root and private anyway."""
        try:
            with connect(self._uri) as conn:
                dom = conn.lookupByName(name)
                if dom.isActive():
                    try:
                        dom.destroy()
                    except libvirt.libvirtError:
                        # Another path (the call's end, the broker's stop) may have destroyed it
                        # between the check and here: off is what was asked.
                        if dom.isActive():
                            raise
        except (libvirt.libvirtError, BulkheadVirtError) as exc:
            raise StopError(f"stopping {name} failed: {exc}") from None

    def create_disposable(self, template: str) -> str:
        try:
            return self.dispvms.create(template)
        except (DispvmError, BulkheadVirtError, libvirt.libvirtError) as exc:
            raise StartError(f"no disposable of {template} created: {exc}") from None

    def remove_disposable(self, name: str) -> None:
        try:
            self.dispvms.remove(name)
        except (DispvmError, BulkheadVirtError, libvirt.libvirtError) as exc:
            raise StopError(f"deleting disposable {name} failed: {exc}") from None

    def remove_leftovers(self, earlier: bool = True) -> list[str]:
        return self.dispvms.remove_leftovers(earlier)
