"""Creating and filling volumes in bulkhead's pool.

libvirt cannot rename a volume, so an interrupted fill cannot be hidden behind a rename; instead
the domain's metadata records the hash of what its config volume must hold, and a volume whose
content is not known to match is rewritten on the next apply. Private volumes (``keep``) are never
rewritten or deleted here.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from lxml import etree

from ..plan import Plan, VolumePlan
from .connection import Connection
from .errors import BulkheadVirtError
from .inventory import lookup
from .source_digest import source_sha256
from .texts import Note, Refusal
from .volume_header import local_files, qcow2_shape_is

CHUNK = 1024 * 1024


def find_volume(conn: Connection, pool_name: str, name: str) -> Any | None:
    pool = lookup(conn.storagePoolLookupByName, pool_name)
    if pool is None or not pool.isActive():
        return None
    return lookup(pool.storageVolLookupByName, name)


def shape(xml: str) -> tuple[str, str | None]:
    """(format, backing path or None) as a volume's libvirt XML says."""
    doc = etree.fromstring(xml.encode())
    fmt = doc.find("target/format")
    return (fmt.get("type", "raw") if fmt is not None else "raw",
            doc.findtext("backingStore/path") or None)


def shape_read_each_run(vol: VolumePlan) -> bool:
    """Whether ``vol``'s shape is read even when its domain is defined as planned (where the
    rest are only known to exist): QEMU opens it as qcow2, following any backing file its
    header names, and a start uses it as it finds it. One replaced behind bulkhead's back by a
    volume of another format or backing could show the domain another file; it is refused (or
    recreated), never accepted. A raw volume reaches no other file whatever it holds, and a
    volume recreated before every start (an app's root) is never started as found."""
    return vol.format == "qcow2" and not vol.fresh_on_start


def shape_seen_here(conn: Connection, plan: Plan, vol: VolumePlan) -> bool:
    """Whether ``vol`` has the shape the plan gives it, confirmed from its header on this host
    without asking libvirt (volume_header.py); False when that cannot be confirmed here."""
    want_format, backing = expected_shape(plan, vol)
    return (want_format == "qcow2" and local_files(conn.getURI())
            and qcow2_shape_is(f"{plan.pool.path}/{vol.name}", backing))


def expected_shape(plan: Plan, vol: VolumePlan) -> tuple[str, str | None]:
    backing = f"{plan.pool.path}/{vol.backing}" if vol.backing else None
    return vol.format, backing


def kept_volume_in_the_way(vol: VolumePlan, have: tuple[str, str | None],
                           want: tuple[str, str | None]) -> Refusal:
    """The refusal for a volume of the wrong shape that may hold data: it is never replaced."""
    return Refusal(f"volume {vol.name} exists as {have[0]} (backing {have[1]}) but bulkhead "
                   f"expects {want[0]} (backing {want[1]}); it holds data bulkhead will not "
                   "overwrite: move it away or remove it")


def _upload(conn: Connection, vol: Any, size: int, chunks: Any) -> Note | None:
    if conn.getType() == "TEST":
        # libvirt's test driver keeps no volume contents and has no upload; say so, do not pretend.
        return Note("(volume contents are not written on libvirt's test driver)")
    stream = conn.newStream(0)
    vol.upload(stream, 0, size, 0)
    for chunk in chunks:
        stream.send(chunk)
    stream.finish()
    return None


def import_image(conn: Connection, plan: Plan, vol: VolumePlan) -> tuple[str, Note | None]:
    """Create ``vol`` filled from its image file; returns (sha256 of what was written, note).

    The digest is taken from the very bytes uploaded, so a file replaced meanwhile is recorded as
    what the volume really holds, never as what the image holds now.
    """
    assert vol.import_path is not None
    pool = conn.storagePoolLookupByName(plan.pool.name)
    try:
        src = open(vol.import_path, "rb")  # noqa: SIM115 - closed below, after the upload
    except OSError as exc:
        raise BulkheadVirtError(
            f"image {vol.import_path} for volume {vol.name}: {exc.strerror}"
        ) from None
    with src:
        size = os.fstat(src.fileno()).st_size
        created = pool.createXML(vol.xml(plan.pool.path, size), 0)
        digest = hashlib.sha256()

        def chunks() -> Any:
            left = size
            while left > 0 and (chunk := src.read(min(CHUNK, left))):
                digest.update(chunk)
                left -= len(chunk)
                yield chunk

        note = _upload(conn, created, size, chunks())
    if note is not None:  # nothing uploaded (test driver): the volume stands for the file as it is
        return source_sha256(vol.import_path), note
    return digest.hexdigest(), None


def create(conn: Connection, plan: Plan, vol: VolumePlan) -> Note | None:
    """Create ``vol`` and fill it. Returns a note for the comment, if any."""
    if vol.import_path is not None:
        return import_image(conn, plan, vol)[1]
    pool = conn.storagePoolLookupByName(plan.pool.name)
    capacity = None
    if vol.backing is not None:
        # An overlay is as large as what it overlays; libvirt wants the size spelled out.
        capacity = pool.storageVolLookupByName(vol.backing).info()[1]
    created = pool.createXML(vol.xml(plan.pool.path, capacity), 0)
    if vol.content is not None:
        return _upload(conn, created, len(vol.content), [vol.content])
    return None


def delete(conn: Connection, pool_name: str, name: str) -> None:
    vol = find_volume(conn, pool_name, name)
    if vol is not None:
        vol.delete(0)


def recreate(conn: Connection, plan: Plan, vol: VolumePlan) -> Note | None:
    if vol.keep:
        raise BulkheadVirtError(f"refusing to recreate {vol.name}: it holds persistent data")
    delete(conn, plan.pool.name, vol.name)
    return create(conn, plan, vol)


def recreate_unless_active(conn: Connection, plan: Plan, vol: VolumePlan,
                           owner: str) -> Note | None:
    """``recreate``, asking libvirt right before whether ``owner`` runs: a domain found running
    (or paused) is never given a new volume under it, whoever started it since it was planned."""
    dom = lookup(conn.lookupByName, owner)
    if dom is not None and dom.isActive():
        raise BulkheadVirtError(f"{owner} was started meanwhile (not by a run holding bulkhead's "
                                f"apply lock); its volume {vol.name} is not replaced while it runs")
    return recreate(conn, plan, vol)


