"""domain_present: the domain's volumes and networks exist, and libvirt holds its planned XML."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..apply_lock import mutating
from ..model import DomainClass, Pillar
from ..plan import DomainPlan, Plan, VolumePlan, lineage
from ..plan.definition_record import DefinitionRecord
from ..plan.metadata import with_imports
from ..plan.ownership import foreign
from ..reconcile import Outcome, Work, refused
from .change_lines import adoption_line, hash_line, imports_line, property_lines, restart_line
from .connection import Connection
from .context import plan_or_reason, type_refusal
from .inventory import (
    defined_domain,
    defined_xml,
    network_xml,
    parsed_domain,
    pool_xmls,
    volume_exists,
    volume_xml,
)
from .network import network_work
from .once import Once
from .pool import pool_work
from .record_memo import definition_record
from .root_import import ImportRecords, import_work
from .same_properties import property_differences
from .texts import Refusal
from .tracked import tracked
from .volumes import (
    create,
    expected_shape,
    kept_volume_in_the_way,
    recreate,
    recreate_unless_active,
    shape,
    shape_read_each_run,
    shape_seen_here,
)
from .work import LibvirtWork
from .xmldiff import unified


def _volume_work(conn: Connection, plan: Plan, vol: VolumePlan, work: Work, *, present: bool,
                 shaped: bool, active: Callable[[], bool], contents: dict[str, str],
                 owner: str) -> Refusal | None:
    """Steps for a volume bulkhead fills itself (not imported: see root_import). ``shaped``: if
    present, it has the shape the plan gives it (bulkhead made it for the definition libvirt
    holds)."""
    existing = None if not present or shaped else volume_xml(conn, plan.pool.name, vol.name)
    section = work.section("volumes")
    if not present or (existing is None and not shaped):
        section[vol.name] = "created"
        work.step(f"create volume {vol.name}", lambda: create(conn, plan, vol))
        return None
    have, want = (shape(existing) if existing else None), expected_shape(plan, vol)
    if have is not None and have != want:
        if vol.keep:
            return kept_volume_in_the_way(vol, have, want)
        if active():
            return None  # a fresh_on_start volume: it is recreated from the plan at the next start
        section[vol.name] = {"old": f"{have[0]} over {have[1]}", "new": f"{want[0]} over {want[1]}"}
        # Planned for a shut-off domain: replaced only if it still is (volumes.py).
        work.step(f"recreate volume {vol.name}",
                  lambda: recreate_unless_active(conn, plan, vol, owner))
    elif vol.content is not None and contents.get(vol.name) != vol.content_sha256:
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


def _ours(conn: Connection, pillar: Pillar, name: str) -> bool:
    """Whether domain ``name`` is defined and bulkhead's (every app of a template asks about the
    template), from the record the run has read already."""
    xml = defined_xml(conn, name)
    return xml is not None and _record(conn, pillar, name, xml).ours


def _record(conn: Connection, pillar: Pillar, name: str, xml: str) -> DefinitionRecord:
    return definition_record(conn, pillar, name, xml)


def domain_work(conn: Connection, pillar: Pillar, plan: Plan, name: str, work: Work, *,
                shut_off_first: bool = False) -> Refusal | None:
    """Steps converging domain ``name``; returns why not when something forbids it.

    ``shut_off_first``: ``work`` already shuts the domain off before these steps run, so they may
    do what only a shut-off domain allows (re-import its root, no restart needed)."""
    dplan: DomainPlan = plan.domains[name]
    steps_before = len(work.steps)
    # A domain another program undefines during a run is seen by the next run (inventory_cache).
    current, existing = defined_domain(conn, name) or (None, None)
    record = _record(conn, pillar, name, current) if current is not None else None
    if record is not None and not record.ours:
        return Refusal(f"domain {name!r} exists and is not managed by bulkhead (no bulkhead "
                       "metadata); rename or remove it, bulkhead never takes over foreign domains")
    if record is not None:
        problem = foreign("domain", name, record.owner, pillar.workstation)
        if problem:
            return Refusal(problem)
    for base, role in _bases(pillar, name):
        if not _ours(conn, pillar, base):
            return Refusal(f"domain {name} is based on {base}'s {role} volume: make {base} "
                           "present first")
    new_pool = plan.pool.name not in pool_xmls(conn)
    problem = pool_work(conn, plan, work)
    for net in dplan.networks:
        if net in plan.networks:
            problem = problem or network_work(conn, plan.networks[net], work,
                                                  pillar.formula.xml_diff)
        elif network_xml(conn, net) is None:
            problem = problem or Refusal(
                f"bulkhead:domains:{name}:uplink:network: libvirt has no network {net!r}; bulkhead "
                "does not create uplink networks (define it, e.g. with virsh net-define)")
    if problem:
        return problem

    # Asked live, and only when a decision depends on it.
    active = Once(lambda: existing is not None and not shut_off_first and bool(existing.isActive()))
    # The definition is parsed (once per run) only when its properties must be compared.
    diffs = (property_differences(conn, pillar.formula.paths.plan_cache, pillar.workstation,
                                  dplan, current, lambda: parsed_domain(conn, name, current))
             if current is not None else None)
    old_hash = record.config_hash if record is not None else None
    # Defined as planned: its volumes are those bulkhead made for this definition. Whether each
    # exists is asked (one listing of the pool per run); a volume's shape only where it matters.
    as_planned = diffs == {} and record is not None and old_hash == dplan.config_hash
    contents = record.content_digests() if record is not None else {}
    records = ImportRecords(record.import_digests() if record is not None else {})
    standalone = pillar.domains[name].class_ == DomainClass.standalone
    for vol in dplan.volumes:
        present = not new_pool and volume_exists(conn, plan.pool.name, vol.name)
        shaped = as_planned and (not shape_read_each_run(vol)
                                 or (present and shape_seen_here(conn, plan, vol)))
        if vol.import_path is not None:
            problem = import_work(conn, plan, vol, work, records, owner=name, standalone=standalone,
                                  present=present, shaped=shaped, defined=current is not None,
                                  active=active)
        else:
            problem = _volume_work(conn, plan, vol, work, present=present, shaped=shaped,
                                   active=active, contents=contents, owner=name)
        if problem:
            return problem
    _define_work(conn, dplan, current, record, old_hash, diffs, active, work, records, pillar)
    # The plan took an explicit domain type as asked: checked before anything of it is written
    # or previewed (test mode too), not on a no-op.
    return type_refusal(conn, pillar) if len(work.steps) > steps_before else None


def _define_work(conn: Connection, dplan: DomainPlan, current: str | None,
                 record: DefinitionRecord | None, old_hash: str | None,
                 diffs: dict[str, Any] | None, active: Callable[[], bool], work: Work,
                 records: ImportRecords, pillar: Pillar) -> None:
    """Steps (re)defining the domain, with one line per changed property in ``changes``;
    ``record``, ``old_hash`` and ``diffs``: its definition's record, recorded config hash and
    property differences, read once."""
    if current is None or diffs is None:
        work.changes["domain"] = {"old": None, "new": "defined"}
    else:
        imports_same = records.recorded == records.planned
        # Made before ownership: the mark is all it gains.
        adopted = record is None or record.owner is None
        if not diffs and old_hash == dplan.config_hash and imports_same and not adopted:
            return
        lines = property_lines(diffs)
        if diffs or old_hash != dplan.config_hash:
            lines = lines or [hash_line(old_hash, dplan.config_hash)]
            if active():
                work.changes["restart_required"] = True
                work.notes.append(f"{dplan.name} runs the old configuration until it restarts.")
                lines.append(restart_line(dplan.name))
        if adopted:
            lines.append(adoption_line(pillar.workstation))
        if not imports_same:
            lines.append(imports_line(records.recorded, records.planned))
        work.changes["domain"] = lines
    if pillar.formula.xml_diff:
        work.changes["xml"] = unified(current or "", with_imports(dplan.xml, records.planned),
                                      dplan.name)
    # Define before anything is deleted: a failure here leaves the previous definition in place.
    # The import records are those really written (the same as planned unless an image file
    # changed while it was uploaded).
    work.step(
        f"define domain {dplan.name}",
        lambda: conn.defineXML(with_imports(dplan.xml, records.final())),
    )


def planned(conn: Connection, pillar: Pillar, name: str) -> Plan | Refusal:
    """The plan, or why there is none for ``name``."""
    if name not in pillar.domains:
        return Refusal(f"bulkhead:domains has no domain {name!r}")
    return plan_or_reason(conn, pillar)


@dataclass(frozen=True)
class Prepared:
    """What converges a domain's definition: the work and the plan it follows; or, when bulkhead
    will not converge it, why not (then nothing of ``work`` may run)."""

    work: Work
    plan: Plan | None  # None only when refused before a plan was made
    refusal: Refusal | None = None

    def finish(self, test: bool, subject: str) -> Outcome:
        """The refusal, or the outcome of the work."""
        if self.refusal is not None:
            return refused(self.refusal)
        return self.work.finish(test, subject)


def prepared(conn: Connection, pillar: Pillar, name: str, work: Work | None = None, *,
             shut_off_first: bool = False) -> Prepared:
    """The plan and the work converging ``name``'s definition (after the steps already in
    ``work``), or the refusal."""
    work = work or LibvirtWork()
    plan = planned(conn, pillar, name)
    if isinstance(plan, str):
        return Prepared(work, None, plan)
    problem = domain_work(conn, pillar, plan, name, work, shut_off_first=shut_off_first)
    return Prepared(work, plan, problem)


@mutating
def domain_present(conn: Connection, pillar: Pillar, name: str, test: bool = False) -> Outcome:
    conn = tracked(conn)
    return prepared(conn, pillar, name).finish(test, f"Domain {name}")
