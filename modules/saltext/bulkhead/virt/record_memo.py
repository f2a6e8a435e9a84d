"""Definition records kept across runs: a new process's no-op parses no domain definition.

What a definition records of bulkhead's (``plan.definition_record``) is a pure function of its
XML text and of the code reading it, which ``CODE_FINGERPRINT`` covers (the plan package). A
run keeps each record it had to parse for in ``formula:paths:plan_cache``/``records@<workstation>``
under the sha256 of that code and the text's sha256; a later run with the same text finds it
there and parses nothing (parsing a workstation's definitions was a new process's largest
cost on a no-op after the reads). Any change of the text or the code is another digest.

The file is a sequence of pickles, one ``(domain, digest, record)`` appended per record (one
write: appends never interleave), read once per run like a kept plan: only from a folder and a
file of this user's that no one else may write, with the plans' allow-list. A value that does
not unpickle as such a triple ends the read (what came before it is kept). The newest record of
each domain is what matters: once the file holds more than twice as many records as domains
(plus ``SLACK``), the run reading it writes back the newest of each. Each workstation has its
own file; the newest ``MAX_FILES`` are kept.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os

from ..atomic_file import write_atomically
from ..plan.definition_record import DefinitionRecord, record_in
from .connection import Connection
from .inventory import domain_digest, parsed_domain
from .plan_memo import (
    CODE_FINGERPRINT,
    kept_file,
    pickled,
    private_directory,
    prune_oldest,
    unpickled,
)
from .tracked import cache_of, once_per_run

log = logging.getLogger(__name__)

NAME = "records"
SLACK = 16
MAX_FILES = 256  # of all workstations; appending keeps a file new
MAX_BYTES = 8 << 20  # a longer file is not one this module wrote: none of it is believed

Known = dict[bytes, tuple[str, DefinitionRecord]]  # digest -> (domain, its record)


def definition_record(conn: Connection, directory: str, workstation: str, name: str,
                      xml: str) -> DefinitionRecord:
    """The record of ``xml``, domain ``name``'s definition; on a tracked connection once per
    definition per run, and kept for later runs in ``workstation``'s file of ``directory``."""
    cache = cache_of(conn)
    if cache is None:
        return record_in(parsed_domain(conn, name, xml))
    return cache.derived(f"record {name}", xml,
                         lambda: _remembered(conn, directory, workstation, name, xml))


def _remembered(conn: Connection, directory: str, workstation: str, name: str,
                xml: str) -> DefinitionRecord:
    file = f"{NAME}@{workstation}"
    known: Known = once_per_run(conn, f"definition records {directory}/{file}", None,
                                lambda: _read(directory, file))
    digest = hashlib.sha256(CODE_FINGERPRINT.encode() + domain_digest(conn, name, xml)).digest()
    held = known.get(digest)
    if held is not None and held[0] == name:
        return held[1]
    record = record_in(parsed_domain(conn, name, xml))
    known[digest] = (name, record)
    _append(directory, file, (name, digest, record))
    return record


def _read(directory: str, file: str) -> Known:
    opened = kept_file(directory, file)
    if opened is None:
        return {}
    try:
        with opened:
            data = opened.read(MAX_BYTES + 1)
    except OSError:
        return {}
    if len(data) > MAX_BYTES:
        return {}
    known, newest, count = _parse(data)
    if count > 2 * len(newest) + SLACK:
        _rewrite(directory, file, [(name, digest, known[digest][1])
                                   for name, digest in newest.items()])
    return known


def _parse(data: bytes) -> tuple[Known, dict[str, bytes], int]:
    """What the file says: every record by digest, the newest digest of each domain, how many
    records were read."""
    known: Known = {}
    newest: dict[str, bytes] = {}
    count = 0
    stream = io.BytesIO(data)
    while stream.tell() < len(data):
        try:
            item = unpickled(stream)
        except Exception:  # noqa: BLE001 - a torn or foreign tail: what came before stands
            break
        if not _well_formed(item):
            break
        name, digest, record = item
        known[digest] = (name, record)
        newest[name] = digest
        count += 1
    return known, newest, count


def _well_formed(item: object) -> bool:
    return (isinstance(item, tuple) and len(item) == 3 and isinstance(item[0], str)
            and isinstance(item[1], bytes) and len(item[1]) == 32
            and isinstance(item[2], DefinitionRecord))


def _append(directory: str, file: str, item: tuple[str, bytes, DefinitionRecord]) -> None:
    try:
        path = private_directory(directory) / file
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o600)
        try:
            new = os.fstat(fd).st_size == 0
            os.write(fd, pickled(item))  # one write: appends of other runs do not interleave
        finally:
            os.close(fd)
        if new:  # a new workstation's file: those of workstations gone go
            prune_oldest(path.parent, lambda n: n.startswith(NAME + "@"), MAX_FILES)
    except Exception as exc:  # noqa: BLE001 - an unwritable cache only costs parsing again
        log.warning("bulkhead: cannot keep a definition record in %s: %s", directory, exc)


def _rewrite(directory: str, file: str, items: list[tuple[str, bytes, DefinitionRecord]]) -> None:
    try:
        write_atomically(private_directory(directory) / file,
                         b"".join(pickled(item) for item in items), mode=0o600, dir_mode=0o700)
    except Exception as exc:  # noqa: BLE001 - as above
        log.warning("bulkhead: cannot compact the definition records in %s: %s", directory, exc)
