"""Two workstations' pillars on one libvirt connection (issue 10: each owns what it makes)."""

from __future__ import annotations

import copy

from lxml import etree

from saltext.bulkhead import NAMESPACE
from saltext.bulkhead.model import load_pillar

from .virt_fixtures import pillar_data

ALICE_DOMAINS = ("tpl", "net", "work", "dvm", "disp")


def alice(pool_path: str, drop: tuple[str, ...] = (), purge: tuple[str, ...] = ()):
    data = pillar_data(pool_path)
    data["host"]["workstation"] = "ws-alice"
    for name in drop:
        del data["domains"][name]
    data["purge"] = list(purge)
    return load_pillar(data)


def bob(pool_path: str, names: dict[str, str] | None = None, memory: int | None = None):
    """Bob's set: the same shape under names of his own (``names`` maps some back to alice's)."""
    own = {"tpl": "btpl", "net": "bnet", "work": "bwork", "dvm": "bdvm", "disp": "bdisp"}
    own.update(names or {})
    data = pillar_data(pool_path)
    domains = {}
    for name, domain in data["domains"].items():
        domain = copy.deepcopy(domain)
        for ref in ("template", "netvm"):
            if domain.get(ref) in own:
                domain[ref] = own[domain[ref]]
        domains[own[name]] = domain
    if memory is not None:
        domains[own["work"]]["memory"] = {"initial": memory, "max": memory}
    data["domains"] = domains
    data["host"]["workstation"] = "ws-bob"
    return load_pillar(data), own


def owner_mark(xml: str) -> str | None:
    meta = etree.fromstring(xml.encode()).find(f"metadata/{{{NAMESPACE}}}*")
    return None if meta is None else meta.get("workstation")


def without_mark(xml: str) -> str:
    """``xml`` as bulkhead wrote it before ownership: no workstation on its metadata."""
    doc = etree.fromstring(xml.encode())
    del doc.find(f"metadata/{{{NAMESPACE}}}*").attrib["workstation"]
    return etree.tostring(doc, encoding="unicode")


def canonical(xml: str) -> bytes:
    return etree.tostring(etree.fromstring(xml.encode()), method="c14n")
