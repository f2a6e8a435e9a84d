"""domain_present: the domain's volumes and networks exist, and libvirt holds its planned XML."""

from __future__ import annotations

from typing import Any

from ..model import Pillar
from ..plan import DomainPlan, Plan, VolumePlan, lineage
from ..plan.metadata import find_ours, recorded_hash
from .context import plan_or_reason
from .domain_props import differences, properties
from .inventory import domain_xml, lookup
from .network import network_work
from .outcome import Outcome, Work, refused
from .pool import pool_work
from .volumes import content_sha, create, expected_shape, find_volume, recreate, shape
from .xmldiff import unified


def recorded_contents(xml: str | None) -> dict[str, str]:
    meta = find_ours(xml) if xml else None
    if meta is None:
        return {}
    return {el.get("volume", ""): el.get("sha256", "") for el in meta.iterfind(f"{{{meta.nsmap['bulkhead']}}}content")}


def _volume_work(conn: Any, plan: Plan, vol: VolumePlan, work: Work, *, pool_new: bool,
                 active: bool, trusted: bool, contents: dict[str, str]) -> str | None:
    existing = None if pool_new else find_volume(conn, plan.pool.name, vol.name)
    section = work.section("volumes")
    if existing is None:
        section[vol.name] = f"imported from {vol.import_path}" if vol.import_path else "created"
        work.step(f"create volume {vol.name}", lambda: create(conn, plan, vol))
        return None
    have, want = shape(existing), expected_shape(plan, vol)
    if have != want:
        if vol.keep or vol.import_path:
            return (f"volume {vol.name} exists as {have[0]} (backing {have[1]}) but bulkhead expects "
                    f"{want[0]} (backing {want[1]}); it holds data bulkhead will not overwrite: "
                    "move it away or remove it")
        if active:
            return None  # a fresh_on_start volume: it is recreated from the plan at the next start
        section[vol.name] = {"old": f"{have[0]} over {have[1]}", "new": f"{want[0]} over {want[1]}"}
        work.step(f"recreate volume {vol.name}", lambda: recreate(conn, plan, vol))
    elif vol.import_path and not trusted:
        # The import may have been interrupted: only a defined owner domain proves it completed.
        section[vol.name] = f"re-imported from {vol.import_path}"
        work.step(f"re-import volume {vol.name}", lambda: recreate(conn, plan, vol))
    elif vol.content is not None and contents.get(vol.name) != content_sha(vol):
        section[vol.name] = "rewritten"
        work.step(f"rewrite volume {vol.name}", lambda: recreate(conn, plan, vol))
    return None


def _bases(pillar: Pillar, name: str) -> list[tuple[str, str]]:
    """(domain, role) of volumes of other domains this domain's volumes are backed by."""
    bases = []
    root_base = lineage.root_base(pillar, name)
    if root_base != name:
        bases.append((root_base, "root"))
    private_base = lineage.private_base(pillar, name)
    if private_base is not None:
        bases.append((private_base, "private"))
    return bases


def domain_work(conn: Any, pillar: Pillar, plan: Plan, name: str, work: Work) -> str | None:
    """Steps converging domain ``name``; returns why not when something forbids it."""
    dplan: DomainPlan = plan.domains[name]
    existing = lookup(conn.lookupByName, name)
    current = domain_xml(existing) if existing is not None else None
    if current is not None and find_ours(current) is None:
        return (f"domain {name!r} exists and is not managed by bulkhead (no bulkhead metadata); "
                "rename or remove it, bulkhead never takes over foreign domains")
    for base, role in _bases(pillar, name):
        base_dom = lookup(conn.lookupByName, base)
        if base_dom is None or find_ours(domain_xml(base_dom)) is None:
            return f"domain {name} is based on {base}'s {role} volume: make {base} present first"
    new_pool = lookup(conn.storagePoolLookupByName, plan.pool.name) is None
    problem = pool_work(conn, plan, work)
    for net in dplan.networks:
        if net in plan.networks:
            problem = problem or network_work(conn, plan.networks[net], work)
        elif lookup(conn.networkLookupByName, net) is None:
            problem = problem or (
                f"bulkhead:domains:{name}:uplink:network: libvirt has no network {net!r}; bulkhead "
                "does not create uplink networks (define it, e.g. with virsh net-define)")
    if problem:
        return problem
    active = bool(existing is not None and existing.isActive())
    contents = recorded_contents(current)
    for vol in dplan.volumes:
        problem = _volume_work(conn, plan, vol, work, pool_new=new_pool, active=active,
                               trusted=current is not None, contents=contents)
        if problem:
            return problem
    _define_work(conn, dplan, current, active, work)
    return None


def _define_work(conn: Any, dplan: DomainPlan, current: str | None, active: bool, work: Work) -> None:
    if current is None:
        work.changes["domain"] = {"old": None, "new": "defined"}
    else:
        meta = find_ours(current)
        diffs = differences(properties(current), properties(dplan.xml))
        old_hash = recorded_hash(meta) if meta is not None else None
        if not diffs and old_hash == dplan.config_hash:
            return
        work.changes["domain"] = diffs or {"config_hash": {"old": old_hash, "new": dplan.config_hash}}
        if active:
            work.changes["restart_required"] = True
            work.notes.append(f"{dplan.name} runs the old configuration until it restarts.")
    work.changes["xml"] = unified(current or "", dplan.xml, dplan.name)
    # Define before anything is deleted: a failure here leaves the previous definition in place.
    work.step(f"define domain {dplan.name}", lambda: conn.defineXML(dplan.xml))


def planned(conn: Any, pillar: Pillar, name: str) -> Plan | str:
    """The plan, or why there is none for ``name``."""
    if name not in pillar.domains:
        return f"bulkhead:domains has no domain {name!r}"
    return plan_or_reason(conn, pillar)


def prepared(conn: Any, pillar: Pillar, name: str) -> tuple[Plan, Work] | Outcome:
    """The plan and the work converging ``name``'s definition, or the refusal."""
    plan = planned(conn, pillar, name)
    if isinstance(plan, str):
        return refused(plan)
    work = Work()
    problem = domain_work(conn, pillar, plan, name, work)
    return refused(problem) if problem else (plan, work)


def domain_present(conn: Any, pillar: Pillar, name: str, test: bool = False) -> Outcome:
    ready = prepared(conn, pillar, name)
    return ready if isinstance(ready, Outcome) else ready[1].finish(test, f"Domain {name}")
