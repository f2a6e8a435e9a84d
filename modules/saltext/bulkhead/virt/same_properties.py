"""Which definitions were found as planned, remembered across runs: a new process's no-op
compares a domain's properties only when its definition or its plan changed.

Whether libvirt's definition of a domain has the planned properties is a pure function of the
two XML texts (``properties_of`` reads the plan's draft, which its XML says all of) and of the
code comparing them. A comparison that found no difference is kept as one line in
``formula:paths:plan_cache``/``same-properties@<workstation>``: the sha256 of that code
(``CODE_FINGERPRINT``) and both texts. Any change of either text or of the code is another
line, so a line found means: no difference. The file is read once per run, as plans are
(``plan_memo.kept_file``); a line that is not a digest equals none asked for. A comparison that
found differences is not kept: it is what a run acts on. A file holds at most ``MAX_LINES``;
the newest half is kept then. Each workstation has its own, so none evicts another's; the
newest ``MAX_FILES`` are kept.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from lxml import etree

from ..plan import DomainPlan
from .connection import Connection
from .domain_props import differences, properties_of
from .inventory import domain_digest
from .plan_memo import CODE_FINGERPRINT, append_kept, kept_file
from .tracked import once_per_run

NAME = "same-properties"
MAX_LINES = 1024
MAX_FILES = 256  # of all workstations; appending keeps a file new
_LINE = re.compile(rb"[0-9a-f]{64}")
_FULL = 65 * MAX_LINES  # bytes: MAX_LINES lines
_MAX_BYTES = 2 * _FULL  # a longer file is not one this module wrote: none of it is read


def property_differences(conn: Connection, directory: str, workstation: str, dplan: DomainPlan,
                         current: str, parse: Callable[[], etree._Element]) -> dict[str, Any]:
    """``differences`` between the definition ``current`` (``parse()`` parses it, read only)
    and the plan's; ``workstation``'s comparisons are kept in a file of its own."""
    name = f"{NAME}@{workstation}"
    known = once_per_run(conn, f"same properties {directory}/{name}", None,
                         lambda: _read(directory, name))
    line = _line(dplan, domain_digest(conn, dplan.name, current))
    if line in known:
        return {}
    diffs = differences(properties_of(parse()), properties_of(dplan.draft.document()))
    if not diffs:
        known.add(line)
        append_kept(directory, name, line + b"\n", limit=_FULL, files=(NAME + "@", MAX_FILES),
                    rewrite=_newest_half, what="a comparison")
    return diffs


def _line(dplan: DomainPlan, current: bytes) -> bytes:
    """The line of the comparing code, the planned text and the current one (``current``: its
    sha256)."""
    planned = dplan.xml_sha256 or hashlib.sha256(dplan.xml.encode()).digest()
    digest = hashlib.sha256(CODE_FINGERPRINT.encode() + b"\0" + planned + current)
    return digest.hexdigest().encode()


def _read(directory: str, name: str) -> set[bytes]:
    file = kept_file(directory, name)
    if file is None:
        return set()
    try:
        with file:
            data = file.read(_MAX_BYTES + 1)
    except OSError:
        return set()
    if len(data) > _MAX_BYTES:
        return set()
    return set(data.split(b"\n"))  # a line that is not a digest equals no line asked for


def _newest_half(data: bytes) -> bytes:
    """A full file's newest ``MAX_LINES // 2`` lines (a line that is not a digest goes)."""
    lines = [x for x in data.split(b"\n") if _LINE.fullmatch(x)]
    return b"".join(x + b"\n" for x in lines[-(MAX_LINES // 2):])
