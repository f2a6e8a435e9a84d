"""``bulkhead ls``'s rows: the pillar's domains joined with what libvirt says of them now.

A domain the pillar declares but libvirt has not defined is ``undefined``; one libvirt holds
for this workstation but the pillar no longer declares is listed from its metadata (``prune``
would remove it). Memory is in MiB throughout.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import Domain, Pillar
from .live import LiveDomain

# The columns, in order; ``partition`` only when the model knows CPU partitions.
COLUMNS = ("name", "state", "class", "label", "template", "netvm", "ip",
           "memory_now_mib", "memory_min_mib", "memory_max_mib")
PARTITION = "cpu_partition"


def has_partitions() -> bool:
    """The pillar model has a domain key ``cpu_partition`` (trust partitions of CPU cores)."""
    return PARTITION in Domain.model_fields


def _declared(name: str, domain: Domain, live: LiveDomain | None) -> dict[str, Any]:
    row = {"name": name, "state": live.state if live else "undefined",
           "class": domain.class_.value, "label": domain.label.value,
           "template": domain.template, "netvm": domain.netvm,
           "ip": (live.address if live else None) or domain.ip,
           "memory_now_mib": live.memory_now_mib if live else None,
           "memory_min_mib": domain.memory.minimum, "memory_max_mib": domain.memory.maximum}
    if has_partitions():
        partition = getattr(domain, PARTITION, None)
        row[PARTITION] = None if partition is None else str(partition)
    return row


def _undeclared(live: LiveDomain) -> dict[str, Any]:
    netvm = live.attrs.get("netvm")
    row = {"name": live.name, "state": live.state, "class": live.attrs.get("class"),
           "label": live.attrs.get("label"), "template": live.attrs.get("template"),
           "netvm": None if netvm in (None, "none") else netvm, "ip": live.address,
           "memory_now_mib": live.memory_now_mib, "memory_min_mib": live.memory_min_mib,
           "memory_max_mib": live.memory_max_mib}
    if has_partitions():
        row[PARTITION] = None
    return row


def rows(pillar: Pillar, live: Mapping[str, LiveDomain]) -> list[dict[str, Any]]:
    """One row per domain, by name; ``declared`` says whether the pillar has it."""
    out = []
    for name in sorted(set(pillar.domains) | set(live)):
        if name in pillar.domains:
            out.append({**_declared(name, pillar.domains[name], live.get(name)), "declared": True})
        else:
            out.append({**_undeclared(live[name]), "declared": False})
    return out


def netvm_tree(table: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """(depth, row) in tree order: domains without a netvm at depth 0, each netvm's clients
    below it, by name. A row whose netvm is not listed is a root too (never lost)."""
    by_name = {row["name"]: row for row in table}
    children: dict[str | None, list[dict[str, Any]]] = {}
    for row in table:
        parent = row["netvm"] if row["netvm"] in by_name else None
        children.setdefault(parent, []).append(row)
    out: list[tuple[int, dict[str, Any]]] = []
    seen: set[str] = set()

    def walk(parent: str | None, depth: int) -> None:
        for row in children.get(parent, []):
            if row["name"] not in seen:  # a validated pillar has no cycle; live metadata might
                seen.add(row["name"])
                out.append((depth, row))
                walk(row["name"], depth + 1)

    walk(None, 0)
    out += [(0, row) for row in table if row["name"] not in seen]
    return out
