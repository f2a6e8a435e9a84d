"""Pause the workstation's other running domains, with a record written before the first pause.

Only domains marked as this workstation's are paused (bulkhead never touches another
workstation's objects): the others that run are named to the caller, since they keep running.
A domain already paused, whatever the reason (a user's ``virsh suspend`` included), is not
paused again and not named in the record, so the end of the run never resumes it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import libvirt

from ..plan.metadata import find_ours
from ..plan.ownership import is_mine
from ..virt.power import power_of
from . import record as records
from .resume import resume_all


class ExclusiveError(RuntimeError):
    """Exclusive mode could not start; nothing is left paused."""


@dataclass(frozen=True, slots=True)
class Survey:
    pause: list[Any]  # the libvirt domains to pause
    already: dict[str, str]  # name -> why it was paused before (not touched)
    foreign: list[str]  # running domains that are not this workstation's (keep running)


def survey(conn: Any, workstation: str, domain: str) -> Survey:
    pause, already, foreign = [], {}, []
    for dom in sorted(conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE),
                      key=lambda d: d.name()):
        name = dom.name()
        if name == domain:
            continue
        if not is_mine(find_ours(dom.XMLDesc(0)), workstation):
            foreign.append(name)
            continue
        power = power_of(dom)
        if power.held:
            already[name] = power.why
        elif power.state == "running":
            pause.append(dom)
    return Survey(pause, already, foreign)


def check_target(conn: Any, workstation: str, domain: str) -> None:
    try:
        dom = conn.lookupByName(domain)
    except libvirt.libvirtError:
        raise ExclusiveError(f"no domain {domain!r}") from None
    if not is_mine(find_ours(dom.XMLDesc(0)), workstation):
        raise ExclusiveError(f"{domain} is not a domain of workstation {workstation!r}")
    power = power_of(dom)
    if not power.answers:
        raise ExclusiveError(f"{domain} is {power.why or power.state}: its agent cannot answer")


def pause_others(conn: Any, path: Path, uri: str, lock: Path, workstation: str,
                 domain: str) -> tuple[records.Record, Survey]:
    """Record, then pause, every other running domain of ``workstation``. On a failed pause the
    ones paused are resumed and the record removed before ExclusiveError is raised."""
    found = survey(conn, workstation, domain)
    taken = records.Record(
        records.this_process(), uri, str(lock), workstation, domain, time.time(),
        tuple(records.Paused(d.name(), d.UUIDString(), d.ID()) for d in found.pause))
    records.write(path, taken)
    done: list[records.Paused] = []
    for dom, entry in zip(found.pause, taken.paused, strict=True):
        try:
            dom.suspend()
        except libvirt.libvirtError as exc:
            resume_all(conn, replace(taken, paused=tuple(done)))
            records.remove(path)
            raise ExclusiveError(f"cannot pause {entry.name}: {exc.get_error_message()}; "
                                 "the domains paused before it were resumed") from None
        done.append(entry)
    return taken, found

