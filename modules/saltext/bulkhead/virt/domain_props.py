"""The properties of a domain that bulkhead converges, read from any domain XML.

Reading both libvirt's (normalised) XML and the plan's XML through the same function makes them
comparable despite libvirt's defaults, unit conversions and added elements. The function reads an
element only by its tag, attributes (``get``), text and children (iterating): a parsed lxml element
or the plan's draft (``plan.draft.Element``, what the plan's XML was rendered from, read without
parsing that XML again: tests/unit/virt/test_planned_props.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from lxml import etree

from .. import NAMESPACE
from ..model.cpu_list import format_cpu_list, parse_cpu_list


class Readable(Protocol):
    """What ``properties_of`` reads of an element (an lxml element's own names)."""

    @property
    def tag(self) -> Any: ...  # a comment's is not a string
    @property
    def text(self) -> str | None: ...
    def get(self, name: str, default: str | None = None) -> str | None: ...
    def __iter__(self) -> Iterator[Readable]: ...


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


def _mib(el: Readable | None) -> int | None:
    if el is None or el.text is None:
        return None
    return int(el.text) * _UNITS[el.get("unit", "KiB").lower()] // 1024**2


def _text(el: Readable | None) -> str | None:
    """``findtext``'s answer for ``el``: None when missing, "" when empty."""
    return None if el is None else el.text or ""


def _disk(el: Readable) -> str:
    src = driver = target = None
    ro = ""
    for child in el:  # one walk: the first of each (a comment's tag is not a string)
        tag = child.tag
        if tag == "source":
            src = child if src is None else src
        elif tag == "driver":
            driver = child if driver is None else driver
        elif tag == "target":
            target = child if target is None else target
        elif tag == "readonly":
            ro = " ro"
    if src is None:
        where = None
    else:
        pool = src.get("pool")
        where = f"{pool}/{src.get('volume')}" if pool else src.get("file")
    fmt = driver.get("type") if driver is not None else None
    return f"{target.get('dev')}={where} {fmt}{ro}"  # type: ignore[union-attr]


def _interface(el: Readable) -> str:
    mac = src = port = filt = None
    params: list[str] = []  # of every filterref, as filterref/parameter finds them
    for child in el:  # one walk: the first of each, and the parameters
        tag = child.tag
        if tag == "mac":
            mac = child if mac is None else mac
        elif tag == "source":
            src = child if src is None else src
        elif tag == "port":
            port = child if port is None else port
        elif tag == "filterref":
            filt = child if filt is None else filt
            params += [f"{p.get('name')}={p.get('value')}" for p in child
                       if p.tag == "parameter"]
    return " ".join([
        src.get("network", "?") if src is not None else "?",
        mac.get("address", "?").lower() if mac is not None else "?",
        "isolated" if port is not None and port.get("isolated") == "yes" else "shared",
        f"{filt.get('filter')}({','.join(params)})" if filt is not None else "unfiltered",
    ])


def _cpus(text: str | None) -> str:
    try:
        return format_cpu_list(parse_cpu_list(text or ""))
    except ValueError:
        return repr(text)  # not ours to read: still compared, so it differs from the plan's


_PINS = {"vcpupin": "vcpu", "emulatorpin": None, "iothreadpin": "iothread"}


def _cpu_pins(vcpu: Readable | None, tunes: list[Readable]) -> str | None:
    """Where the domain's threads may run: its vCPU default and every pin, CPU lists normalised;
    None for a domain pinned nowhere."""
    cpuset = vcpu.get("cpuset") if vcpu is not None else None
    pins = [f"vcpu={_cpus(cpuset)}"] if cpuset else []
    for tag, index in _PINS.items():
        pins += [f"{tag}{el.get(index) if index else ''}={_cpus(el.get('cpuset'))}"
                 for tune in tunes for el in tune if el.tag == tag]
    return " ".join(sorted(pins)) or None


def properties(xml: str) -> dict[str, Any]:
    return properties_of(etree.fromstring(xml.encode()))


_META = f"{{{NAMESPACE}}}domain"
_OS = ("kernel", "initrd", "cmdline")
_META_KEYS = ("class", "template", "netvm", "label", "cpu_partition")


def properties_of(doc: Readable) -> dict[str, Any]:
    """The properties of a domain document, parsed or drafted. One pass over its children (every
    domain's definition and plan are compared on every run: a path search per property cost 4x
    more)."""
    first: dict[Any, Readable] = {}
    devices: list[Readable] = []
    tunes: list[Readable] = []
    boot: dict[str, Readable] = {}  # the first of each of _OS in any <os>
    meta = None
    for child in doc:
        tag = child.tag
        if tag == "devices":
            devices.append(child)
        elif tag == "os":
            for el in child:
                if el.tag in _OS and el.tag not in boot:
                    boot[el.tag] = el
        elif tag == "cputune":
            tunes.append(child)
        elif tag == "metadata":
            if meta is None:
                meta = next((el for el in child if el.tag == _META), None)
        elif tag not in first:
            first[tag] = child
    disks, interfaces, serial_source = [], [], None
    for dev in devices:
        for el in dev:
            tag = el.tag
            if tag == "disk":
                disks.append(el)
            elif tag == "interface":
                interfaces.append(el)
            elif tag == "serial" and serial_source is None:
                serial_source = next((s for s in el if s.tag == "source"), None)
    props: dict[str, Any] = {
        "type": doc.get("type"),
        "memory_mib": _mib(first.get("memory")),
        "current_memory_mib": _mib(first.get("currentMemory")),
        "vcpus": int(_text(first.get("vcpu")) or 0),
        "kernel": _text(boot.get("kernel")),
        "initrd": _text(boot.get("initrd")),
        "cmdline": _text(boot.get("cmdline")),
        "disks": [_disk(d) for d in disks],
        "interfaces": [_interface(i) for i in interfaces],
        "console_log": serial_source.get("path") if serial_source is not None else None,
        "on_crash": _text(first.get("on_crash")),
        "on_poweroff": _text(first.get("on_poweroff")),
        "cpu_pins": _cpu_pins(first.get("vcpu"), tunes),
    }
    for key in _META_KEYS:
        props[key] = meta.get(key) if meta is not None else None
    return props


def differences(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: {"old": old.get(k), "new": new[k]} for k in new if old.get(k) != new[k]}
