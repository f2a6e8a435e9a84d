"""Readable unified diffs of libvirt XML (both sides re-serialised the same way)."""

from __future__ import annotations

import difflib

from lxml import etree

_parser = etree.XMLParser(remove_blank_text=True)


def canonical(xml: str) -> list[str]:
    if not xml:
        return []
    root = etree.fromstring(xml.encode(), _parser)
    return etree.tostring(root, pretty_print=True, encoding="unicode").splitlines()


def unified(old: str, new: str, name: str) -> str:
    return "\n".join(difflib.unified_diff(canonical(old), canonical(new), f"{name} (libvirt)",
                                          f"{name} (bulkhead)", lineterm=""))
