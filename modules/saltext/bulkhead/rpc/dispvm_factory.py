"""Disposables created for one call and deleted after it (the broker's ``@dispvm:X`` with no halted
pillar disposable of X free).

A new disposable is a pillar domain that only the broker knows: the pillar with one more
``class: disposable`` entry, ``disp<N>``, taking X's label, netvm, vcpus, memory and firewall (not
its tags: policy rights are not inherited). It goes through the same code as any domain (present,
then running: fresh volumes, memd's admission) and, with a netvm, that netvm gets a ruleset with a
chain for it; removing it purges its volumes and withdraws the chain. Rulesets always cover the
pillar plus every live disposable, so one disposable's end never cuts another's network. Only
that netvm is asked (and within ``DISPVM_BOUNDS``): a disposable whose netvm answers is served
whatever any other netvm does.

A registry file per disposable (``/var/lib/bulkhead/dispvms/NAME``, holding X) is written before
anything is created and removed last, so what a crashed broker left behind is deleted when the
next one starts, and what this broker failed to delete is tried again while it runs
(``remove_leftovers``). The firewall state reads the same registry, so a Salt run meanwhile
keeps the chains of the disposables alive.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..apply_lock import LockTimeout, pillar_lock
from ..exclusive.holding import wait_while_held
from ..model import Pillar
from ..model.disposables import with_disposables
from ..reconcile import Outcome
from ..virt import BulkheadVirtError, connect, domain_absent, domain_present, domain_running
from ..virt.dispvm_registry import REGISTRY_DIR, DispvmRegistry
from ..virt.firewall import firewalls_applied
from ..virt.firewall_agent import AgentBounds
from .facts import libvirt_domains

# (conn, pillar, netvms): bring these netvms' firewalls (None: all) to the pillar's rulesets.
Firewalls = Callable[[Any, Pillar, "Collection[str] | None"], Outcome]
# The broker starts no netvm, so a disposable's netvm has been up for a while: a short wait.
DISPVM_BOUNDS = AgentBounds(wait=10.0)
# A guest's call waits while an apply holds the host's lock: for one of its states (seconds; an
# image import, minutes), so a bounded wait, after which the call fails naming the holder.
BROKER_LOCK_WAIT_S = 60.0


class DispvmError(Exception):
    """No disposable could be created (limit, template, start) or one could not be deleted."""


def _deliver(conn: Any, pillar: Pillar, netvms: Collection[str] | None) -> Outcome:
    return firewalls_applied(conn, pillar, test=False, bounds=DISPVM_BOUNDS, netvms=netvms)


class DispvmFactory:
    """Creates and deletes the broker's own disposables.

    Example::

        factory = DispvmFactory("qemu:///system", host.pillar)
        name = factory.create("dvm-template")   # "disp1", running, its firewall delivered
        ...                                      # the call
        factory.remove(name)                     # destroyed, volumes purged, chain withdrawn
    """

    def __init__(self, uri: str, pillar: Callable[[], Pillar], registry: Path = REGISTRY_DIR,
                 firewalls: Firewalls = _deliver, log: logging.Logger | None = None) -> None:
        self._uri, self._pillar, self._firewalls = uri, pillar, firewalls
        self._registry = DispvmRegistry(registry)
        self._log = log or logging.getLogger("bulkhead.rpc.dispvms")
        self._live: dict[str, str] = {}  # name -> template
        self._failed: set[str] = set()  # this broker's disposables whose deletion failed
        self._lock = threading.Lock()  # one creation or removal at a time: names and rulesets

    def live(self) -> list[str]:
        with self._lock:
            return sorted(self._live)

    def create(self, template: str) -> str:
        with self._lock:
            pillar = self._pillar()
            if template not in pillar.domains or not pillar.domains[template].template_for_dispvms:
                raise DispvmError(f"{template} is not a disposable template (template_for_dispvms)")
            if len(self._live) >= pillar.policy.dispvm_limit:
                raise DispvmError(f"{len(self._live)} disposables already run "
                                  f"(bulkhead:policy:dispvm_limit is {pillar.policy.dispvm_limit})")
            _not_exclusive(pillar, f"creating a disposable of {template}")
            with _locked(pillar, BROKER_LOCK_WAIT_S), connect(self._uri) as conn:
                taken = (
                    set(pillar.domains) | set(libvirt_domains(conn)) | set(self._registry.entries())
                )
                name = next(f"disp{n}" for n in range(1, 10_000) if f"disp{n}" not in taken)
                self._registry.add(name, template)
                self._live[name] = template
                extended = with_disposables(pillar, self._live)
                try:
                    for step in (domain_present, domain_running):
                        _check(step(conn, extended, name), f"creating {name}")
                    netvm = extended.domains[name].netvm
                    if netvm is not None:
                        _check(self._firewalls(conn, extended, [netvm]), f"the firewall of {name}")
                except (DispvmError, BulkheadVirtError) as exc:
                    self._log.warning("disposable %s of %s not created: %s", name, template, exc)
                    try:
                        self._remove_locked(conn, pillar, name)
                    except (DispvmError, BulkheadVirtError) as cleanup:  # remove_leftovers retries
                        self._failed.add(name)
                        self._log.error("disposable %s left behind: %s", name, cleanup)
                    raise DispvmError(str(exc)) from None
        self._log.info("disposable %s of %s created", name, template)
        return name

    def remove(self, name: str) -> None:
        with self._lock:
            pillar = self._pillar()
            try:
                with _locked(pillar), connect(self._uri) as conn:
                    self._remove_locked(conn, pillar, name)
            except (DispvmError, BulkheadVirtError):
                self._live.pop(name, None)  # no call uses it any more: a leftover to retry
                self._failed.add(name)
                raise

    def remove_leftovers(self, earlier: bool = True) -> list[str]:
        """Delete registered disposables no call uses. ``earlier`` (at broker start): every one
        registered, what a crashed broker left. Else (tried again while the broker runs): only
        those this broker failed to delete; one registered since by another process (a test's
        own factory) is not this broker's to delete. Each is tried; one that fails again is
        logged and stays for the next try. Nothing to delete: no lock taken, libvirt not asked.
        The apply lock is not waited for: while a Salt run holds it, calls that create or delete
        a disposable would wait behind this; a DispvmError then, and the next try comes."""
        with self._lock:
            names = set(self._registry.entries()) - set(self._live)
            if not earlier:
                names &= self._failed
            if not names:
                return []
            pillar = self._pillar()
            try:
                with _locked(pillar, 0.0), connect(self._uri) as conn:
                    return self._remove_all_left(conn, pillar, names)
            except (DispvmError, BulkheadVirtError):
                # Not even tried (a Salt run holds the lock, as when the formula starts this
                # broker): the retries take them, an earlier broker's included.
                self._failed |= names
                raise

    def _remove_all_left(self, conn: Any, pillar: Pillar, names: set[str]) -> list[str]:
        deleted = []
        for name in sorted(names):
            if name in pillar.domains:  # the admin has since declared it: theirs now
                self._log.warning(
                    "registered disposable %s is now a pillar domain: not deleted", name
                )
                self._registry.remove(name)
                continue
            try:
                self._remove_locked(conn, pillar, name)
            except (DispvmError, BulkheadVirtError) as exc:  # the others are still tried
                self._failed.add(name)
                self._log.error("disposable %s still left behind (tried again later): %s",
                                name, exc)
                continue
            self._failed.discard(name)
            deleted.append(name)
        return deleted

    def _remove_locked(self, conn: Any, pillar: Pillar, name: str) -> None:
        template = self._live.pop(name, None) or self._registry.entries().get(name)
        _check(domain_absent(conn, pillar, name, purge=True), f"deleting {name}")
        base = pillar.domains.get(template or "")
        if base is None or base.netvm is not None:  # withdraw its chain; the others' stay
            netvms = None if base is None else [base.netvm]  # not knowing its netvm: every one
            _check(self._firewalls(conn, with_disposables(pillar, self._live), netvms),
                   f"the firewall after {name}")
        self._registry.remove(name)
        self._log.info("disposable %s deleted", name)


def _not_exclusive(pillar: Pillar, what: str) -> None:
    """Wait (as for the lock) while exclusive mode holds: a domain started now would run beside
    the one exclusive mode isolates."""
    who = wait_while_held(Path(pillar.formula.paths.exclusive), BROKER_LOCK_WAIT_S)
    if who is not None:
        raise DispvmError(f"{what}: {who}, waited {BROKER_LOCK_WAIT_S:.0f}s")


@contextmanager
def _locked(pillar: Pillar, timeout: float | None = None) -> Iterator[None]:
    """One operation under the host's apply lock (per operation: the broker runs for ever)."""
    try:
        with pillar_lock(pillar, timeout):
            yield
    except LockTimeout as exc:
        raise DispvmError(str(exc)) from None


def _check(outcome: Outcome, what: str) -> None:
    if outcome.result is not True:
        raise DispvmError(f"{what}: {outcome.comment}")
