"""Definition records kept across runs: a new process's no-op parses no domain definition.

What a definition records of bulkhead's (``plan.definition_record``) is a pure function of its
XML text and of the code reading it, which ``CODE_FINGERPRINT`` covers (the plan package). A
run keeps each record it had to parse for in ``formula:paths:plan_cache``/``records@<workstation>``
under the sha256 of that code and the text's sha256; a later run with the same text finds it
there and parses nothing (parsing a workstation's definitions was a new process's largest
cost on a no-op after the reads). Any change of the text or the code is another digest.

The file is ``MAGIC`` and a sequence of frames, one appended per record (one write: appends
never interleave): the digest, the domain's name and the record pickled. It is read once per
run like a kept plan, only from a folder and a file of this user's that no one else may write,
but a record is unpickled (with the plans' allow-list) only when its digest is asked for: a
file also holds records of domains a run does not ask about (those of a pillar that had more
domains), and unpickling them all cost more than parsing the run's own. A frame that does not
fit ends the read; what came before it is kept and written back without the rest (a frame
appended after it could not be found). A record that does not unpickle as one is parsed again.
The newest frame of each pillar domain is what matters: once the file holds more than ``SLACK``
other frames (older records, or of domains the pillar no longer has), the run reading it writes
back only those. Each workstation has its own file; the newest ``MAX_FILES`` are kept.
"""

from __future__ import annotations

import hashlib
import io
import logging
import struct
from collections.abc import Collection

from ..atomic_file import write_atomically
from ..model import Pillar
from ..plan.definition_record import DefinitionRecord, record_in
from .connection import Connection
from .inventory import domain_digest, parsed_domain
from .plan_memo import (
    CODE_FINGERPRINT,
    append_kept,
    kept_file,
    pickled,
    private_directory,
    unpickled,
)
from .tracked import cache_of, once_per_run

log = logging.getLogger(__name__)

NAME = "records"
SLACK = 16
MAX_FILES = 256  # of all workstations; appending keeps a file new
MAX_BYTES = 8 << 20  # a longer file is not one this module wrote: none of it is believed
_HEADER = struct.Struct(">32sHI")  # the digest, the name's length, the record's length
MAGIC = b"bulkhead definition records 2\n"  # 1 was a sequence of pickles


def definition_record(conn: Connection, pillar: Pillar, name: str, xml: str) -> DefinitionRecord:
    """The record of ``xml``, pillar domain ``name``'s definition; on a tracked connection once
    per definition per run, and kept for later runs in the pillar workstation's file of
    ``formula:paths:plan_cache``."""
    cache = cache_of(conn)
    if cache is None:
        return record_in(parsed_domain(conn, name, xml))
    return cache.derived(f"record {name}", xml, lambda: _remembered(
        conn, pillar.formula.paths.plan_cache, pillar.workstation, pillar.domains.keys(), name,
        xml))


def _remembered(conn: Connection, directory: str, workstation: str, domains: Collection[str],
                name: str, xml: str) -> DefinitionRecord:
    file = f"{NAME}@{workstation}"
    kept: KeptRecords = once_per_run(conn, f"definition records {directory}/{file}", None,
                                     lambda: _read(directory, file, domains))
    digest = hashlib.sha256(CODE_FINGERPRINT.encode() + domain_digest(conn, name, xml)).digest()
    record = kept.get(name, digest)
    if record is not None:
        return record
    record = record_in(parsed_domain(conn, name, xml))
    kept.add(name, digest, record)
    _append(directory, file, domains, name, digest, record)
    return record


def _append(directory: str, file: str, domains: Collection[str], name: str, digest: bytes,
            record: DefinitionRecord) -> None:
    try:
        frame = _frame(name, digest, pickled(record))
    except Exception as exc:  # noqa: BLE001 - nothing about the cache may fail a run
        log.warning("bulkhead: cannot keep a definition record of %s: %s", name, exc)
        return
    append_kept(directory, file, frame, limit=MAX_BYTES, files=(NAME + "@", MAX_FILES),
                rewrite=lambda old: KeptRecords(old).compacted(domains),
                what="a definition record", header=MAGIC)


class KeptRecords:
    """A records file's frames by digest, each record unpickled when first asked for; a file
    of another format holds none."""

    def __init__(self, data: bytes = b"") -> None:
        self.data = data
        self.frames: dict[bytes, tuple[str, int, int]] = {}  # digest -> name, record's span
        self.newest: dict[str, bytes] = {}  # domain -> the digest of its newest frame
        self.count = 0
        self._records: dict[bytes, DefinitionRecord | None] = {}
        offset = len(MAGIC) if data.startswith(MAGIC) else len(data) + 1
        while offset + _HEADER.size <= len(data):
            digest, name_size, size = _HEADER.unpack_from(data, offset)
            start = offset + _HEADER.size + name_size
            if start + size > len(data):
                break  # a torn tail
            try:
                name = data[offset + _HEADER.size:start].decode()
            except UnicodeDecodeError:
                break
            self.frames[digest] = (name, start, start + size)
            self.newest[name] = digest
            self.count += 1
            offset = start + size
        self.whole = offset == len(data) or not data  # False: something after the frames read

    def get(self, name: str, digest: bytes) -> DefinitionRecord | None:
        """The record kept for ``name``'s definition of ``digest``, if one was."""
        frame = self.frames.get(digest)
        if frame is None or frame[0] != name:
            return None
        if digest not in self._records:
            self._records[digest] = _decoded(self.data[frame[1]:frame[2]])
        return self._records[digest]

    def add(self, name: str, digest: bytes, record: DefinitionRecord) -> None:
        """Hold ``record``, parsed by this run, for the rest of it."""
        self._records[digest] = record
        self.frames[digest] = (name, -1, -1)  # not in ``data``: ``_records`` has it
        self.newest[name] = digest

    def compacted(self, domains: Collection[str] | None = None) -> bytes:
        """The file with the newest frame of each domain (of ``domains``), as read."""
        return MAGIC + b"".join(_frame(name, digest, self.data[start:end])
                                for name, digest in self.newest.items()
                                if domains is None or name in domains
                                for _, start, end in [self.frames[digest]] if start >= 0)


def _frame(name: str, digest: bytes, record: bytes) -> bytes:
    encoded = name.encode()
    return _HEADER.pack(digest, len(encoded), len(record)) + encoded + record


def _decoded(data: bytes) -> DefinitionRecord | None:
    try:
        record = unpickled(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - a spoilt or planted record: parsed again
        return None
    return record if isinstance(record, DefinitionRecord) else None


def _read(directory: str, file: str, domains: Collection[str]) -> KeptRecords:
    opened = kept_file(directory, file)
    if opened is None:
        return KeptRecords()
    try:
        with opened:
            data = opened.read(MAX_BYTES + 1)
    except OSError:
        return KeptRecords()
    if len(data) > MAX_BYTES:
        return KeptRecords()
    kept = KeptRecords(data)
    current = sum(name in domains for name in kept.newest)
    if not kept.whole or kept.count > current + SLACK:
        try:
            write_atomically(private_directory(directory) / file, kept.compacted(domains),
                             mode=0o600, dir_mode=0o700)
        except Exception as exc:  # noqa: BLE001 - an unwritable cache only costs parsing again
            log.warning("bulkhead: cannot compact the definition records in %s: %s",
                        directory, exc)
    return kept
