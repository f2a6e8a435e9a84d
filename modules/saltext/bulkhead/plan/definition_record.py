"""What a domain's definition records of bulkhead's, as one value: read from its metadata once.

A run decides most of what it does with a domain from its bulkhead metadata alone: whether the
domain is bulkhead's and whose, the allocations the plan keeps (``RecordedDomain``), the hash of
the configuration it was defined from, the digests of the volume contents and images written.
``DefinitionRecord`` holds those, so they can be kept across runs by the definition's text
(``virt/record_memo.py``): a new process's no-op then parses no definition.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from .metadata import imports_in, ours_in, recorded_hash, recorded_with_owner_in
from .ownership import owner_of
from .recorded import RecordedDomain
from .xmlutil import ns

_CONTENT = ns("content")


@dataclass(frozen=True)
class DefinitionRecord:
    """bulkhead's records in one domain definition. ``ours``: it has bulkhead's metadata (else
    every other field is empty); ``recorded``: the allocations, None unless it is a domain
    record; ``contents`` and ``imports``: (volume, sha256) pairs in the definition's order."""

    ours: bool
    owner: str | None = None
    recorded: RecordedDomain | None = None
    config_hash: str | None = None
    contents: tuple[tuple[str, str], ...] = ()
    imports: tuple[tuple[str, str], ...] = ()

    def content_digests(self) -> dict[str, str]:
        """volume -> sha256 of the content bulkhead last wrote to it."""
        return dict(self.contents)

    def import_digests(self) -> dict[str, str]:
        """volume -> sha256 of the image it was last imported from."""
        return dict(self.imports)


NOT_OURS = DefinitionRecord(ours=False)


def record_in(doc: etree._Element) -> DefinitionRecord:
    """The record of a parsed domain definition (``doc`` is only read)."""
    meta = ours_in(doc)
    if meta is None:
        return NOT_OURS
    read = recorded_with_owner_in(doc)
    return DefinitionRecord(
        ours=True,
        owner=owner_of(meta),
        recorded=None if read is None else read[0],
        config_hash=recorded_hash(meta),
        contents=tuple((el.get("volume", ""), el.get("sha256", ""))
                       for el in meta if el.tag == _CONTENT),
        imports=tuple(imports_in(meta).items()),
    )
