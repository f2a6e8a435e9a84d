"""Running, halted and absent domains.

As in Qubes, a shut-off app's root overlay is thrown away and recreated from its template before
every start (software lives in the template, data in the private volume), and a disposable gets
a fresh root and private overlay each time: nothing it wrote survives.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import libvirt

from .. import NAMESPACE
from ..apply_lock import mutating
from ..model import Pillar
from ..plan import names
from ..plan.metadata import find_ours
from ..plan.ownership import foreign, owner_of
from ..reconcile import Outcome, Work, refused
from .connection import Connection
from .domain import prepared
from .inventory import defined_xml, domains_using, lookup, volume_exists
from .power import Power, power_of, settled_power
from .shutdown import local_hypervisor, shut_down
from .start_memory import reserve_start_memory
from .tracked import tracked
from .volumes import delete, recreate_unless_active
from .work import LibvirtWork


def _state(dom: Any | None) -> str:
    return power_of(dom).state


def _host_dirs(conn: Connection) -> None:
    # libvirt creates neither the console log's nor the agent socket's directory; only possible
    # (and only needed) when the hypervisor runs on this machine.
    if local_hypervisor(conn):
        for path in (names.CONSOLE_LOG_DIR, names.AGENT_SOCKET_DIR):
            os.makedirs(path, mode=0o750, exist_ok=True)
        # root's alone: the broker refuses any other (socket_dirs.py); libvirtd binds there.
        os.makedirs(names.RPC_SOCKET_DIR, mode=0o700, exist_ok=True)


def _resumed(dom: Any, name: str, power: Power, work: Work, test: bool, resume: bool) -> Outcome:
    """A paused domain is not running: resume a pause a user asked for, refuse any other."""
    if not power.resumable:
        return refused(f"domain {name} is {power.why}: bulkhead resumes only a pause a user "
                       f"asked for; remove the cause, then resume it (virsh resume {name}) "
                       "or halt it")
    if not resume:
        return refused(f"domain {name} is {power.why}: left paused (only an apply resumes it)")
    work.changes["state"] = {"old": power.state, "new": "running"}
    work.step(f"resume domain {name}", dom.resume)
    return work.finish(test, f"Domain {name}")


@mutating
def domain_running(conn: Connection, pillar: Pillar, name: str, test: bool = False,
                   resume: bool = True) -> Outcome:
    """Defined as the pillar says and running. ``resume``: a domain a user paused is resumed
    (the RPC broker passes False: a guest's call never undoes an admin's pause)."""
    conn = tracked(conn)
    ready = prepared(conn, pillar, name)
    plan, work = ready.plan, ready.work
    if ready.refusal is not None or plan is None:
        return ready.finish(test, f"Domain {name}")  # the refusal
    dom = lookup(conn.lookupByName, name)
    power = settled_power(dom)
    if power.held:  # active, so never started (nor its root recreated) below
        return _resumed(dom, name, power, work, test, resume)
    if dom is not None and dom.isActive():
        return work.finish(test, f"Domain {name}")
    if pillar.memory is not None:  # before any overlay is recreated: a refusal loses nothing
        mib = pillar.domains[name].memory.initial
        socket = Path(pillar.memory.socket)
        work.step(f"ask bulkhead-memd for {mib} MiB",
                  lambda: reserve_start_memory(socket, name, mib))
    fresh = work.section("volumes")
    for vol in plan.domains[name].volumes:
        if vol.fresh_on_start and vol.name not in fresh:
            fresh[vol.name] = f"recreated over {vol.backing}"
            # Asked again right before: a domain started since is never given a new root.
            work.step(f"recreate volume {vol.name}",
                      lambda vol=vol: recreate_unless_active(conn, plan, vol, name))
    work.changes["state"] = {"old": _state(dom), "new": "running"}

    def start() -> None:
        _host_dirs(conn)
        conn.lookupByName(name).create()

    work.step(f"start domain {name}", start)
    return work.finish(test, f"Domain {name}")


@mutating
def domain_halted(conn: Connection, pillar: Pillar, name: str, test: bool = False,
                  timeout: float | None = None) -> Outcome:
    """Defined as the pillar says (like ``domain_present``) and shut off.

    A graceful shutdown may take ``timeout`` s (default ``bulkhead:formula:shutdown_timeout``)
    before the domain is forced off.

    A running domain is shut down first, so that the definition and volumes then converge as for
    a shut-off domain (e.g. a template's root re-imported from a rebuilt image in the same run).
    """
    conn = tracked(conn)
    dom = lookup(conn.lookupByName, name)
    work = LibvirtWork()
    wait = pillar.formula.shutdown_timeout if timeout is None else timeout
    running = dom is not None and bool(dom.isActive())
    if running:
        work.changes["state"] = {"old": _state(dom), "new": "shutoff"}
        work.step(f"shut down domain {name}", lambda: shut_down(conn, dom, wait))
    # A domain bulkhead does not own is refused here, before any step (the shutdown too) runs.
    return prepared(conn, pillar, name, work, shut_off_first=running).finish(test, f"Domain {name}")


def _dependents(conn: Connection, name: str) -> list[str]:
    """bulkhead domains whose template is ``name``: their volumes are backed by its volumes."""
    return domains_using(conn, lambda doc: doc.find(f"metadata/{{{NAMESPACE}}}domain[@template='{name}']") is not None)


def absent_work(conn: Connection, pillar: Pillar, name: str, work: Work, *, purge: bool,
                record: tuple[dict[str, Any], str], leaving: frozenset[str] = frozenset()) -> str | None:
    """Steps stopping and undefining ``name`` and deleting its volumes (the private one only
    when ``purge``); or why not. ``record``: where the domain's change goes (mapping, key);
    ``leaving``: domains removed by earlier steps of ``work`` (they may be based on it)."""
    dom = lookup(conn.lookupByName, name)
    xml = defined_xml(conn, name) if dom is not None else None
    if xml is not None and find_ours(xml) is None:
        return f"domain {name!r} is not managed by bulkhead; leaving it alone"
    if xml is not None:
        problem = foreign("domain", name, owner_of(find_ours(xml)), pillar.workstation)
        if problem:
            return problem
    users = [user for user in _dependents(conn, name) if user not in leaving]
    if users:
        return f"domain {name} is the template of {', '.join(users)}; remove them first"
    if dom is not None:
        old = _state(dom)
        if dom.isActive():
            work.step(f"stop domain {name}", lambda: dom.destroy())
        record[0][record[1]] = {"old": old, "new": None}  # made by the undefine (outcome.py)
        flags = libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
        work.step(f"undefine domain {name}", lambda: dom.undefineFlags(flags))
    pool = pillar.host.pool
    doomed = [v for v in names.own_volume_names(name) if purge or v != names.private_volume(name)]
    deleted = work.section("volumes")
    for vol_name in doomed:
        if volume_exists(conn, pool, vol_name):
            deleted[vol_name] = "deleted"
            work.step(f"delete volume {vol_name}", lambda vol_name=vol_name: delete(conn, pool, vol_name))
    if not purge and volume_exists(conn, pool, names.private_volume(name)):
        work.notes.append(f"Kept {names.private_volume(name)} (private data; purge deletes it).")
    return None


@mutating
def domain_absent(conn: Connection, pillar: Pillar, name: str, purge: bool = False,
                  test: bool = False) -> Outcome:
    """Stop and undefine; delete root and config volumes; keep private data unless ``purge``."""
    conn = tracked(conn)
    work = LibvirtWork()
    problem = absent_work(conn, pillar, name, work, purge=purge, record=(work.changes, "domain"))
    return refused(problem) if problem else work.finish(test, f"Domain {name}")
