"""The properties of a domain that bulkhead converges, read from any domain XML.

Reading both libvirt's (normalised) XML and the plan's XML through the same function makes them
comparable despite libvirt's defaults, unit conversions and added elements.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from .. import NAMESPACE
from ..model.cpu_list import format_cpu_list, parse_cpu_list

_UNITS = {"b": 1, "bytes": 1, "k": 1024, "kib": 1024, "m": 1024**2, "mib": 1024**2, "g": 1024**3, "gib": 1024**3}


def _mib(el: etree._Element | None) -> int | None:
    if el is None or el.text is None:
        return None
    return int(el.text) * _UNITS[el.get("unit", "KiB").lower()] // 1024**2


def _disk(el: etree._Element) -> str:
    src = el.find("source")
    where = f"{src.get('pool')}/{src.get('volume')}" if src is not None and src.get("pool") else (
        src.get("file") if src is not None else None)
    driver = el.find("driver")
    fmt = driver.get("type") if driver is not None else None
    ro = " ro" if el.find("readonly") is not None else ""
    return f"{el.find('target').get('dev')}={where} {fmt}{ro}"


def _interface(el: etree._Element) -> str:
    mac = el.find("mac")
    src = el.find("source")
    port = el.find("port")
    params = ",".join(f"{p.get('name')}={p.get('value')}" for p in el.iterfind("filterref/parameter"))
    filt = el.find("filterref")
    return " ".join([
        src.get("network", "?") if src is not None else "?",
        mac.get("address", "?").lower() if mac is not None else "?",
        "isolated" if port is not None and port.get("isolated") == "yes" else "shared",
        f"{filt.get('filter')}({params})" if filt is not None else "unfiltered",
    ])


def _cpu_pins(doc: etree._Element) -> str | None:
    """Where the domain's threads may run: its vCPU default and every pin, CPU lists normalised;
    None for a domain pinned nowhere."""
    def cpus(text: str | None) -> str:
        try:
            return format_cpu_list(parse_cpu_list(text or ""))
        except ValueError:
            return repr(text)  # not ours to read: still compared, so it differs from the plan's

    vcpu = doc.find("vcpu")
    pins = [f"vcpu={cpus(vcpu.get('cpuset'))}"] if vcpu is not None and vcpu.get("cpuset") else []
    for tag, index in (("vcpupin", "vcpu"), ("emulatorpin", None), ("iothreadpin", "iothread")):
        pins += [f"{tag}{el.get(index) if index else ''}={cpus(el.get('cpuset'))}"
                 for el in doc.iterfind(f"cputune/{tag}")]
    return " ".join(sorted(pins)) or None


def properties(xml: str) -> dict[str, Any]:
    doc = etree.fromstring(xml.encode())
    meta = doc.find(f"metadata/{{{NAMESPACE}}}domain")
    props: dict[str, Any] = {
        "type": doc.get("type"),
        "memory_mib": _mib(doc.find("memory")),
        "current_memory_mib": _mib(doc.find("currentMemory")),
        "vcpus": int(doc.findtext("vcpu") or 0),
        "kernel": doc.findtext("os/kernel"),
        "initrd": doc.findtext("os/initrd"),
        "cmdline": doc.findtext("os/cmdline"),
        "disks": [_disk(d) for d in doc.iterfind("devices/disk")],
        "interfaces": [_interface(i) for i in doc.iterfind("devices/interface")],
        "console_log": doc.find("devices/serial/source").get("path") if doc.find("devices/serial/source") is not None else None,
        "on_crash": doc.findtext("on_crash"),
        "on_poweroff": doc.findtext("on_poweroff"),
        "cpu_pins": _cpu_pins(doc),
    }
    for key in ("class", "template", "netvm", "label", "cpu_partition"):
        props[key] = meta.get(key) if meta is not None else None
    return props


def differences(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: {"old": old.get(k), "new": new[k]} for k in new if old.get(k) != new[k]}
