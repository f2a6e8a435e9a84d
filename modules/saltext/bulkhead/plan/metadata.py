"""bulkhead's ``<metadata>`` element: how an object is recognised as ours and what it records.

Domains record class, template, netvm, label, their NICs (network, MAC, address), their memory
bounds (for bulkhead-memd, which balances running domains without reading the pillar), the hash of
their rendered configuration and a fingerprint of their pillar entry. Networks record their owner.
Both record the workstation they belong to (``ownership``).
Reading it back (``read_*``) is how apply rebuilds the recorded allocations.

One record is written by apply, not by the plan: ``<bulkhead:import volume=... sha256=...>``, the
digest of the image a root volume was last imported from. It describes what the volume holds,
which only apply knows (an import can be deferred or interrupted), so the plan leaves it out and
apply adds it to the planned XML it defines (``with_imports``); the config hash does not cover it.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING

from lxml import etree

from .. import NAMESPACE
from .allocations import Allocation
from .ownership import mark, owner_of
from .recorded import RecordedDomain, RecordedInterface, RecordedMemory
from .xmlutil import NSMAP, ns, sub, text_sub

if TYPE_CHECKING:
    from .draft import Node

HASH_TAG = "config-hash"
MEMORY_TAG = "memory"
IMPORT_TAG = "import"
_DOMAIN = ns("domain")
_INTERFACE = ns("interface")
_HASH = ns(HASH_TAG)
_IMPORT = ns(IMPORT_TAG)


def domain_metadata(parent: Node, attrs: dict[str, str], allocation: Allocation, fingerprint: str,
                    memory: RecordedMemory) -> Node:
    """Our metadata element of a domain's draft, added to ``parent`` (its ``<metadata>``)."""
    root = parent.sub(ns("domain"), NSMAP, **{key: attrs[key] for key in sorted(attrs)})
    address = {} if allocation.address is None else {"address": str(allocation.address)}
    for nic in allocation.nics:
        root.sub(ns("interface"), network=nic.network, role=nic.role, mac=nic.mac, **address)
    root.sub(ns(MEMORY_TAG), unit="MiB", min=str(memory.min_mib), initial=str(memory.initial_mib),
             max=str(memory.max_mib))
    root.text_sub(ns("fingerprint"), fingerprint)
    return root


def network_metadata(owner: str) -> etree._Element:
    return etree.Element(ns("network"), {"owner": owner}, nsmap=NSMAP)


def stamp_hash(doc: etree._Element, meta: etree._Element, workstation: str) -> str:
    """Hash the whole document (without a hash) and record it inside our metadata element, then
    mark it as ``workstation``'s (the mark is not hashed: ``ownership``)."""
    digest = hashlib.sha256(canonical_form(doc)).hexdigest()
    record_hash(meta, digest, workstation)
    return digest


def canonical_form(doc: etree._Element) -> bytes:
    """What the config hash is the sha256 of (taken before the hash and the mark are recorded)."""
    return etree.tostring(doc, method="c14n")


def record_hash(meta: etree._Element, digest: str, workstation: str) -> None:
    text_sub(meta, ns(HASH_TAG), digest)
    mark(meta, workstation)


def find_ours(xml: str | bytes) -> etree._Element | None:
    """Our metadata element in a libvirt XML document, or None when bulkhead does not own it."""
    return ours_in(etree.fromstring(xml.encode() if isinstance(xml, str) else xml))


_OURS = f"{{{NAMESPACE}}}"


def ours_in(doc: etree._Element) -> etree._Element | None:
    """``find_ours`` of an already parsed document: the first element of our namespace in any
    ``<metadata>`` (``doc.find("metadata/{ns}*")`` in a plain walk, a few times cheaper)."""
    for child in doc:
        if child.tag == "metadata":
            found = _ours_under(child)
            if found is not None:
                return found
    return None


def _ours_under(metadata: etree._Element) -> etree._Element | None:
    for el in metadata:
        tag = el.tag
        if isinstance(tag, str) and tag.startswith(_OURS):  # a comment's tag is no string
            return el
    return None


def recorded_hash(meta: etree._Element) -> str | None:
    for el in meta:  # meta.find(ns(HASH_TAG)) without a path search (asked of every definition)
        if el.tag == _HASH:
            return el.text
    return None


def read_memory(meta: etree._Element) -> RecordedMemory | None:
    """The memory bounds recorded in a domain's metadata; None for a domain defined before bulkhead
    recorded them (the reader falls back to the libvirt XML). A malformed record is an error, not a
    guess: the balancer must not move a balloon outside bounds it only assumed."""
    el = meta.find(ns(MEMORY_TAG))
    if el is None:
        return None
    if el.get("unit") != "MiB":
        raise ValueError(f"memory bounds recorded in unit {el.get('unit')!r}, expected 'MiB'")
    try:
        return RecordedMemory(
            int(el.get("min", "")), int(el.get("initial", "")), int(el.get("max", ""))
        )
    except ValueError as error:
        raise ValueError(f"malformed memory bounds in bulkhead metadata: {error}") from error


def read_recorded(domain_xml: str) -> RecordedDomain | None:
    read = read_recorded_with_owner(domain_xml)
    return None if read is None else read[0]


def read_recorded_with_owner(domain_xml: str) -> tuple[RecordedDomain, str | None] | None:
    """What a bulkhead domain recorded, and the workstation it belongs to (None: made before
    ownership); None when it is not a bulkhead domain. One parse for both."""
    return recorded_with_owner_in(etree.fromstring(domain_xml.encode()))


def recorded_with_owner_in(doc: etree._Element) -> tuple[RecordedDomain, str | None] | None:
    """``read_recorded_with_owner`` of an already parsed domain document: one walk of its
    children finds the UUID and our metadata element (every domain's record is read on every
    run), one of that element's the interfaces."""
    uuid: etree._Element | None = None
    meta: etree._Element | None = None
    for child in doc:  # the first <uuid> and the first of ours in any <metadata>, as find does
        tag = child.tag
        if tag == "uuid":
            uuid = child if uuid is None else uuid
        elif tag == "metadata" and meta is None:
            meta = _ours_under(child)
        if uuid is not None and meta is not None:
            break
    if meta is None or meta.tag != _DOMAIN:
        return None
    interfaces = []
    for el in meta:
        if el.tag == _INTERFACE:
            addr = el.get("address")
            interfaces.append(RecordedInterface(el.get("network", ""), el.get("mac", ""),
                                                ipaddress.IPv4Address(addr) if addr else None))
    uuid_text = None if uuid is None else uuid.text or ""  # findtext's answer
    return RecordedDomain(uuid_text, tuple(interfaces)), owner_of(meta)


def read_imports(xml: str) -> dict[str, str]:
    """volume name -> sha256 of the image it was imported from, as recorded in a domain's XML."""
    meta = find_ours(xml)
    return {} if meta is None else imports_in(meta)


def imports_in(meta: etree._Element) -> dict[str, str]:
    """``read_imports`` of an already parsed metadata element."""
    return {el.get("volume", ""): el.get("sha256", "") for el in meta if el.tag == _IMPORT}


def with_imports(xml: str, imports: Mapping[str, str]) -> str:
    """``xml`` (a bulkhead domain) with exactly ``imports`` as its import records."""
    doc = etree.fromstring(xml.encode())
    meta = doc.find(f"metadata/{{{NAMESPACE}}}domain")
    if meta is None:
        raise ValueError("not a bulkhead domain: no bulkhead metadata to record imports in")
    for el in meta.findall(ns(IMPORT_TAG)):
        meta.remove(el)
    for volume in sorted(imports):
        sub(meta, ns(IMPORT_TAG), volume=volume, sha256=imports[volume])
    return etree.tostring(doc, encoding="unicode")
