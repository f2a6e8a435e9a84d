"""bulkhead_host.uplinks_present on a private libvirt test driver: a declared uplink network is
defined, started and set to autostart once; an existing one is used as it is, never changed."""

from __future__ import annotations

import libvirt

from saltext.bulkhead.host.uplinks import uplinks_present
from saltext.bulkhead.model import load_pillar
from tests.functional.virt.virt_fixtures import node_file


def pillar(uri: str):
    return load_pillar({"host": {"uri": uri, "workstation": "test-uplinks", "uplinks": {
        "lab": {}, "out": {"forward": "nat", "address": "192.168.150.1/24"}}}}, "ws-test")


def test_declared_uplinks_are_made_once(tmp_path):
    uri = node_file(tmp_path)
    conn = libvirt.open(uri)
    try:
        model = pillar(uri)
        dry = uplinks_present(conn, model, test=True)
        assert dry.result is None and set(dry.changes["defined"]) == {"lab", "out"}
        assert not [n for n in conn.listAllNetworks() if n.name() in ("lab", "out")]
        done = uplinks_present(conn, model)
        assert done.result is True and done.changes["defined"] == {"lab": "none", "out": "nat"}
        for name in ("lab", "out"):
            net = conn.networkLookupByName(name)
            assert net.isActive() and net.autostart()
        assert "<forward mode='nat'" in conn.networkLookupByName("out").XMLDesc(0)
        again = uplinks_present(conn, model)
        assert (again.result, again.changes) == (True, {})
    finally:
        conn.close()


def test_an_existing_network_is_used_as_it_is(tmp_path):
    uri = node_file(tmp_path)
    conn = libvirt.open(uri)
    try:
        theirs = "<network><name>lab</name><bridge name='virbr9'/></network>"
        conn.networkDefineXML(theirs)
        before = conn.networkLookupByName("lab").XMLDesc(0)
        out = uplinks_present(
            conn, load_pillar({"host": {"uri": uri, "workstation": "test-uplinks",
                                    "uplinks": {"lab": {}}}}, "ws")
        )
        assert out.changes == {"started": {"lab": True}}  # down: started, not redefined
        net = conn.networkLookupByName("lab")
        assert net.XMLDesc(0) == before and not net.autostart()
    finally:
        conn.close()
