"""properties() reads a domain in one pass; it must say exactly what path searches say.

The oracle below is the earlier implementation (one ElementPath search per property), kept as the
definition of what each property means. Hypothesis builds domain documents with the elements in
any order, missing, repeated, empty or surrounded by comments; the plans' own XML is checked too.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from saltext.bulkhead import NAMESPACE
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.model.cpu_list import format_cpu_list, parse_cpu_list
from saltext.bulkhead.plan import plan_workstation
from saltext.bulkhead.virt.domain_props import _UNITS, properties
from tests.unit.plan.workstation_pillar import TOPOLOGY, WORKSTATION


def _mib(el: Any) -> int | None:
    if el is None or el.text is None:
        return None
    return int(el.text) * _UNITS[el.get("unit", "KiB").lower()] // 1024**2


def _disk(el: Any) -> str:
    src = el.find("source")
    where = f"{src.get('pool')}/{src.get('volume')}" if src is not None and src.get("pool") else (
        src.get("file") if src is not None else None)
    driver = el.find("driver")
    fmt = driver.get("type") if driver is not None else None
    ro = " ro" if el.find("readonly") is not None else ""
    return f"{el.find('target').get('dev')}={where} {fmt}{ro}"


def _interface(el: Any) -> str:
    mac, src, port, filt = (el.find(tag) for tag in ("mac", "source", "port", "filterref"))
    params = ",".join(
        f"{p.get('name')}={p.get('value')}" for p in el.iterfind("filterref/parameter")
    )
    return " ".join([
        src.get("network", "?") if src is not None else "?",
        mac.get("address", "?").lower() if mac is not None else "?",
        "isolated" if port is not None and port.get("isolated") == "yes" else "shared",
        f"{filt.get('filter')}({params})" if filt is not None else "unfiltered",
    ])


def _cpu_pins(doc: Any) -> str | None:
    def cpus(text: str | None) -> str:
        try:
            return format_cpu_list(parse_cpu_list(text or ""))
        except ValueError:
            return repr(text)

    vcpu = doc.find("vcpu")
    pins = [f"vcpu={cpus(vcpu.get('cpuset'))}"] if vcpu is not None and vcpu.get("cpuset") else []
    for tag, index in (("vcpupin", "vcpu"), ("emulatorpin", None), ("iothreadpin", "iothread")):
        pins += [f"{tag}{el.get(index) if index else ''}={cpus(el.get('cpuset'))}"
                 for el in doc.iterfind(f"cputune/{tag}")]
    return " ".join(sorted(pins)) or None


def oracle(xml: str) -> dict[str, Any]:
    doc = etree.fromstring(xml.encode())
    meta = doc.find(f"metadata/{{{NAMESPACE}}}domain")
    source = doc.find("devices/serial/source")
    props = {
        "type": doc.get("type"), "memory_mib": _mib(doc.find("memory")),
        "current_memory_mib": _mib(doc.find("currentMemory")),
        "vcpus": int(doc.findtext("vcpu") or 0), "kernel": doc.findtext("os/kernel"),
        "initrd": doc.findtext("os/initrd"), "cmdline": doc.findtext("os/cmdline"),
        "disks": [_disk(d) for d in doc.iterfind("devices/disk")],
        "interfaces": [_interface(i) for i in doc.iterfind("devices/interface")],
        "console_log": source.get("path") if source is not None else None,
        "on_crash": doc.findtext("on_crash"), "on_poweroff": doc.findtext("on_poweroff"),
        "cpu_pins": _cpu_pins(doc),
    }
    for key in ("class", "template", "netvm", "label", "cpu_partition"):
        props[key] = meta.get(key) if meta is not None else None
    return props


WORDS = st.sampled_from(["a", "b", "qcow2", "raw", "0-1", "2", "x,y", ""])
TEXT = st.one_of(st.none(), st.sampled_from(["", "1", "128", "/k", "ro"]))


def _attrs(names: list[str]) -> Any:
    return (
        st.dictionaries(st.sampled_from(names), WORDS, max_size=len(names))
        if names
        else st.just({})
    )


def element(tag: str, attrs: list[str], children: Any = None, text: Any = TEXT) -> Any:
    kids = st.lists(children, max_size=3) if children is not None else st.just([])
    return st.builds(lambda a, t, k: (tag, a, t, k), _attrs(attrs), text, kids)


def _leaves(tags: list[str], attrs: list[str]) -> Any:
    return st.one_of(*(element(t, attrs) for t in tags), st.just(("#comment", {}, "c", [])))


DISK = element("disk", ["type"], _leaves(["source", "driver", "target", "readonly"],
                                         ["pool", "volume", "file", "type", "dev"]))
INTERFACE = element("interface", ["type"], st.one_of(
    _leaves(["mac", "source", "port"], ["address", "network", "isolated"]),
    element("filterref", ["filter"], element("parameter", ["name", "value"]))))
SERIAL = element("serial", ["type"], _leaves(["source", "target"], ["path", "port"]))
META = element(f"{{{NAMESPACE}}}domain", ["class", "template", "netvm", "label", "cpu_partition"])
TOP = st.one_of(
    element("memory", ["unit"], text=st.sampled_from(["128", "131072"])),
    element("currentMemory", ["unit"], text=st.sampled_from(["64", "65536"])),
    element("vcpu", ["cpuset", "placement"], text=st.sampled_from(["1", "2", ""])),
    element("os", [], _leaves(["type", "kernel", "initrd", "cmdline"], ["arch"])),
    element("devices", [], st.one_of(DISK, INTERFACE, SERIAL, _leaves(["memballoon"], ["model"]))),
    element("cputune", [], _leaves(["vcpupin", "emulatorpin", "iothreadpin"],
                                   ["vcpu", "iothread", "cpuset"])),
    element("metadata", [], META),
    _leaves(["on_crash", "on_poweroff", "name"], ["x"]),
)


def build(parent: Any, node: tuple) -> None:
    tag, attrs, text, children = node
    if tag == "#comment":
        parent.append(etree.Comment(text))
        return
    el = etree.SubElement(parent, tag, {k: v for k, v in attrs.items()})
    el.text = text
    for child in children:
        build(el, child)


@given(st.lists(TOP, max_size=12), st.sampled_from([None, "kvm", "qemu"]))
def test_one_pass_reads_what_path_searches_read(children, dtype) -> None:
    doc = etree.Element("domain", {"type": dtype} if dtype else {})
    for child in children:
        build(doc, child)
    xml = etree.tostring(doc, encoding="unicode")
    try:
        want = oracle(xml)
    except (AttributeError, KeyError, ValueError) as exc:  # a disk without a target, bad units
        try:
            properties(xml)
        except type(exc):
            return
        raise AssertionError(f"oracle raised {exc!r}, properties did not") from None
    assert properties(xml) == want


def test_every_planned_domain_reads_the_same() -> None:
    # Every domain class, a netvm chain and CPU pins (the plan goldens' workstation).
    plan = plan_workstation(load_pillar(WORKSTATION), {}, domain_type="kvm", topology=TOPOLOGY)
    for dplan in plan.domains.values():
        assert properties(dplan.xml) == oracle(dplan.xml), dplan.name
