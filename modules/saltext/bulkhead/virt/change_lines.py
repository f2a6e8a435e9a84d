"""What a redefinition changes, one line per property: ``memory: 192 -> 256 MiB``, ``vcpus: 1 -> 2``.

A Salt run's ``changes`` are read by people (and a fleet's by the screenful): the properties
bulkhead converges (``domain_props.properties``) are compared, so libvirt's own defaults and
re-serialisation never show. The full XML diff is there on request only
(``bulkhead:formula:xml_diff`` or a state's ``xml_diff`` argument): it is 25 kB of JSON for six
changes on qemu:///system.
"""

from __future__ import annotations

from typing import Any

# property -> (what an admin calls it, unit)
_LABELS = {
    "current_memory_mib": ("memory", " MiB"),
    "memory_mib": ("max memory", " MiB"),
    "console_log": ("console log", ""),
}
HASH_SHOWN = 12


def _text(value: Any) -> str:
    return "none" if value is None or value == "" else str(value)


def property_line(prop: str, old: Any, new: Any) -> str:
    """``label: old -> new`` (lists: only the entries that went and came)."""
    label, unit = _LABELS.get(prop, (prop.replace("_", " "), ""))
    if isinstance(old, list) or isinstance(new, list):
        old, new = list(old or []), list(new or [])
        went = [item for item in old if item not in new]
        came = [item for item in new if item not in old]
        return f"{label}: {', '.join(went) or 'none'} -> {', '.join(came) or 'none'}"
    return f"{label}: {_text(old)} -> {_text(new)}{unit if new is not None else ''}"


def property_lines(diffs: dict[str, dict[str, Any]]) -> list[str]:
    return [property_line(prop, d["old"], d["new"]) for prop, d in diffs.items()]


def short(sha: str | None) -> str:
    return "none" if not sha else sha[:HASH_SHOWN]


def hash_line(old: str | None, new: str) -> str:
    """A change no listed property shows (the XML bulkhead writes changed with bulkhead itself)."""
    return (f"configuration: {short(old)} -> {short(new)} (no listed property differs; "
            "xml_diff: true shows the XML)")


def restart_line(domain: str) -> str:
    """A running domain's new definition waits for its next start: said, not left to a flag."""
    return (f"restart needed: {domain} is running and keeps its old configuration until it "
            "restarts (bulkhead does not restart it)")


def adoption_line(workstation: str) -> str:
    return f"workstation: none -> {workstation} (made before ownership: adopted)"


def imports_line(old: dict[str, str], new: dict[str, str]) -> str:
    changed = sorted(set(old) | set(new))
    return "imported image: " + ", ".join(
        f"{vol} {short(old.get(vol))} -> {short(new.get(vol))}" for vol in changed)
