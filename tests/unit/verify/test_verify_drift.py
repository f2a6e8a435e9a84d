"""Definition-vs-plan comparison: libvirt's normalisation is no drift, real changes are."""

from __future__ import annotations

from lxml import etree

from saltext.bulkhead.verify.drift import drift

from .helpers import as_libvirt_stores_it, example_plan

PLAN = example_plan()
WORK = PLAN.domains["work"].xml


def _edit(xml: str, edit) -> str:
    doc = etree.fromstring(xml.encode())
    edit(doc)
    return etree.tostring(doc, encoding="unicode")


def test_libvirt_normalisation_is_not_drift():
    for name, dplan in PLAN.domains.items():
        assert drift(as_libvirt_stores_it(dplan.xml), dplan.xml) == [], name


def test_added_graphics_device_is_drift():
    live = _edit(
        as_libvirt_stores_it(WORK),
        lambda d: etree.SubElement(d.find("devices"), "graphics", type="vnc"),
    )
    assert drift(live, WORK) == ["devices the plan does not define: graphics"]


def test_dropped_port_isolation_is_drift():
    live = _edit(
        WORK, lambda d: d.find("devices/interface").remove(d.find("devices/interface/port"))
    )
    [line] = drift(live, WORK)
    assert line.startswith("interfaces:") and "shared" in line and "isolated" in line


def test_changed_memory_and_agent_channel_are_drift():
    def edit(doc):
        doc.find("memory").text = "4096"
        doc.find("devices/channel/source").set("path", "/tmp/elsewhere.sock")
    keys = [line.split(":", 1)[0] for line in drift(_edit(WORK, edit), WORK)]
    assert keys == ["memory_mib", "channels"]


def test_stale_config_hash_is_drift():
    other = PLAN.domains["personal"].xml
    keys = {line.split(":", 1)[0] for line in drift(other, WORK)}
    assert {"config_hash", "name", "uuid"} <= keys
