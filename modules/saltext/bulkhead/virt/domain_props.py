"""The properties of a domain that bulkhead converges, read from any domain XML.

Reading both libvirt's (normalised) XML and the plan's XML through the same function makes them
comparable despite libvirt's defaults, unit conversions and added elements.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from .. import NAMESPACE
from ..model.cpu_list import format_cpu_list, parse_cpu_list

_UNITS = {
    "b": 1,
    "bytes": 1,
    "k": 1024,
    "kib": 1024,
    "m": 1024**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gib": 1024**3,
}


def _mib(el: etree._Element | None) -> int | None:
    if el is None or el.text is None:
        return None
    return int(el.text) * _UNITS[el.get("unit", "KiB").lower()] // 1024**2


def _text(el: etree._Element | None) -> str | None:
    """``findtext``'s answer for ``el``: None when missing, "" when empty."""
    return None if el is None else el.text or ""


def _first(parents: list[etree._Element], tag: str) -> etree._Element | None:
    """The first ``tag`` child of any of ``parents`` (``find("parent/tag")``)."""
    return next((el for parent in parents for el in parent.iterchildren(tag)), None)


def _children(el: etree._Element) -> dict[str, etree._Element]:
    """Each tag's first element child (``find(tag)``), in one pass over the children."""
    first: dict[str, etree._Element] = {}
    for child in el.iterchildren(etree.Element):
        first.setdefault(child.tag, child)
    return first


def _disk(el: etree._Element) -> str:
    first = _children(el)
    src, driver = first.get("source"), first.get("driver")
    where = f"{src.get('pool')}/{src.get('volume')}" if src is not None and src.get("pool") else (
        src.get("file") if src is not None else None)
    fmt = driver.get("type") if driver is not None else None
    ro = " ro" if "readonly" in first else ""
    return f"{first.get('target').get('dev')}={where} {fmt}{ro}"


def _interface(el: etree._Element) -> str:
    first = _children(el)
    mac, src, port, filt = (first.get(tag) for tag in ("mac", "source", "port", "filterref"))
    params = ",".join(f"{p.get('name')}={p.get('value')}"
                      for f in el.iterchildren("filterref") for p in f.iterchildren("parameter"))
    return " ".join([
        src.get("network", "?") if src is not None else "?",
        mac.get("address", "?").lower() if mac is not None else "?",
        "isolated" if port is not None and port.get("isolated") == "yes" else "shared",
        f"{filt.get('filter')}({params})" if filt is not None else "unfiltered",
    ])


def _cpu_pins(vcpu: etree._Element | None, tunes: list[etree._Element]) -> str | None:
    """Where the domain's threads may run: its vCPU default and every pin, CPU lists normalised;
    None for a domain pinned nowhere."""
    def cpus(text: str | None) -> str:
        try:
            return format_cpu_list(parse_cpu_list(text or ""))
        except ValueError:
            return repr(text)  # not ours to read: still compared, so it differs from the plan's

    pins = [f"vcpu={cpus(vcpu.get('cpuset'))}"] if vcpu is not None and vcpu.get("cpuset") else []
    for tag, index in (("vcpupin", "vcpu"), ("emulatorpin", None), ("iothreadpin", "iothread")):
        pins += [f"{tag}{el.get(index) if index else ''}={cpus(el.get('cpuset'))}"
                 for tune in tunes for el in tune.iterchildren(tag)]
    return " ".join(sorted(pins)) or None


def properties(xml: str) -> dict[str, Any]:
    return properties_of(etree.fromstring(xml.encode()))


def properties_of(doc: etree._Element) -> dict[str, Any]:
    """The properties of a parsed domain document. One pass over its children (every domain's
    definition and plan are compared on every run: a path search per property cost 4x more)."""
    first: dict[str, etree._Element] = {}
    groups: dict[str, list[etree._Element]] = {
        "os": [],
        "devices": [],
        "cputune": [],
        "metadata": [],
    }
    for child in doc.iterchildren(etree.Element):
        if child.tag in groups:
            groups[child.tag].append(child)
        first.setdefault(child.tag, child)
    devices = groups["devices"]
    meta = _first(groups["metadata"], f"{{{NAMESPACE}}}domain")
    serial_source = _first([s for d in devices for s in d.iterchildren("serial")], "source")
    props: dict[str, Any] = {
        "type": doc.get("type"),
        "memory_mib": _mib(first.get("memory")),
        "current_memory_mib": _mib(first.get("currentMemory")),
        "vcpus": int(_text(first.get("vcpu")) or 0),
        "kernel": _text(_first(groups["os"], "kernel")),
        "initrd": _text(_first(groups["os"], "initrd")),
        "cmdline": _text(_first(groups["os"], "cmdline")),
        "disks": [_disk(d) for dev in devices for d in dev.iterchildren("disk")],
        "interfaces": [_interface(i) for dev in devices for i in dev.iterchildren("interface")],
        "console_log": serial_source.get("path") if serial_source is not None else None,
        "on_crash": _text(first.get("on_crash")),
        "on_poweroff": _text(first.get("on_poweroff")),
        "cpu_pins": _cpu_pins(first.get("vcpu"), groups["cputune"]),
    }
    for key in ("class", "template", "netvm", "label", "cpu_partition"):
        props[key] = meta.get(key) if meta is not None else None
    return props


def differences(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: {"old": old.get(k), "new": new[k]} for k in new if old.get(k) != new[k]}
