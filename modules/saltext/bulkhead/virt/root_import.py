"""Root volumes imported from an image file, kept in step with that file.

A template's root is a copy of ``image.root`` while its kernel and initrd are used in place, so
after ``bulkhead image build`` rebuilt the image the template would boot the new kernel over the
old root (old modules, old guest agent). The domain's metadata records the sha256 of what each
imported volume holds; when the image's digest differs, the volume is imported again, but only
while its domain is shut off (a running guest's disk is never pulled from under it). Apps built
on the template get overlays over the new root at their next start; a running app keeps the old
root, which stays open in its QEMU process until it stops.

A standalone domain's root is its own data from the first boot on: it is imported once and never
again, whatever happens to the image.

Before a volume is replaced, its record is removed from the definition, so an import cut short
leaves a volume nobody vouches for, which the next apply imports again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..plan import Plan, VolumePlan
from ..plan.metadata import read_imports, with_imports
from ..reconcile import Work
from .connection import Connection
from .inventory import domain_xml, lookup, volume_xml
from .source_digest import source_sha256
from .texts import Note, Refusal
from .volumes import delete, expected_shape, import_image, kept_volume_in_the_way, shape


@dataclass
class ImportRecords:
    """A domain's import records: as defined now, as this run will leave them, as really written."""

    recorded: dict[str, str]
    planned: dict[str, str] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)  # filled by the import steps

    def final(self) -> dict[str, str]:
        return {**self.planned, **self.written}

    def keep(self, volume: str) -> None:
        if volume in self.recorded:
            self.planned[volume] = self.recorded[volume]


def _short(sha: str | None) -> str:
    return sha[:12] if sha else "unknown"


def _import_step(conn: Connection, plan: Plan, vol: VolumePlan, owner: str,
                 records: ImportRecords) -> Note | None:
    dom = lookup(conn.lookupByName, owner)
    if dom is not None:
        xml = domain_xml(dom)
        held = read_imports(xml)
        if vol.name in held:  # nobody vouches for the volume from here until the new record
            del held[vol.name]
            conn.defineXML(with_imports(xml, held))
    delete(conn, plan.pool.name, vol.name)
    digest, note = import_image(conn, plan, vol)
    records.written[vol.name] = digest
    return note


def import_work(conn: Connection, plan: Plan, vol: VolumePlan, work: Work,
                records: ImportRecords, *,
                owner: str, standalone: bool, present: bool, shaped: bool, defined: bool,
                active: Callable[[], bool]) -> Refusal | None:
    """Steps keeping imported volume ``vol`` of domain ``owner`` in step with its image; returns
    why not when the volume is in the way. ``present``: the volume exists; ``shaped``: if so, it
    has the planned shape (bulkhead made it for the definition libvirt holds)."""
    assert vol.import_path is not None
    path = vol.import_path
    existing = volume_xml(conn, plan.pool.name, vol.name) if present and not shaped else None
    present = present and (shaped or existing is not None)  # not removed since it was listed
    section = work.section("volumes")

    def step(what: str) -> None:
        work.step(
            f"{what} volume {vol.name}", lambda: _import_step(conn, plan, vol, owner, records)
        )

    if existing is not None:
        have, want = shape(existing), expected_shape(plan, vol)
        if have != want:
            return kept_volume_in_the_way(vol, have, want)
    if not present or not defined:
        # Missing, or present without a defined owner: an import may have been cut short.
        if not Path(path).is_file():  # said in test mode too, not "would define"
            return (f"image file {path} is missing: build it (bulkhead image build, or the "
                    "formula's bulkhead.host) or point image:root at an existing file")
        with contextlib.suppress(OSError):  # unreadable: the import step fails with the reason
            records.planned[vol.name] = source_sha256(path)
        section[vol.name] = f"re-imported from {path}" if present else f"imported from {path}"
        step("re-import" if present else "create")
        return None
    recorded = records.recorded.get(vol.name)
    if standalone:
        records.keep(vol.name)
        return None
    try:
        source = source_sha256(path)
    except OSError as exc:
        records.keep(vol.name)
        work.notes.append(f"Cannot read {path} ({exc.strerror}); {vol.name} keeps what it holds.")
        return None
    if source == recorded:
        records.keep(vol.name)
        return None
    if active():
        records.keep(vol.name)
        work.notes.append(
            f"{path} changed (sha256 {_short(source)}, {vol.name} holds {_short(recorded)}): "
            f"re-import pending until {owner} is shut off."
        )
        return None
    records.planned[vol.name] = source
    section[vol.name] = {"old": f"image sha256 {_short(recorded)}",
                         "new": f"re-imported from {path} (sha256 {_short(source)})"}
    step("re-import")
    return None
