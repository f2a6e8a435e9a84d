"""Ownership and pruning through Salt: the minion id is the workstation, and ``bulkhead.clean``
removes a domain the pillar dropped (test mode first: it changes nothing), keeping its data."""

from __future__ import annotations

import libvirt
import pytest
from lxml import etree

from saltext.bulkhead import NAMESPACE

IMG = "/var/cache/bulkhead/images/debian-min"
IMAGE = {
    "kind": "kernel",
    "root": f"{IMG}/root.img",
    "kernel": f"{IMG}/vmlinuz",
    "initrd": f"{IMG}/initrd.img",
}


@pytest.fixture(scope="module")
def conn():
    held = libvirt.open("test:///default")  # test:///default lives while a connection is open
    yield held
    held.close()


def pillar(tmp_path, *domains: str) -> dict:
    every = {"wtpl": {"class": "template", "image": IMAGE, "netvm": "none"},
             "wapp": {"class": "app", "template": "wtpl", "netvm": "none"}}
    return {"host": {"uri": "test:///default", "domain_type": "auto", "pool": "wpool",
                     "pool_path": str(tmp_path / "pool")},
            "domains": {name: every[name] for name in domains}}


def workstation_of(conn, name: str) -> str | None:
    doc = etree.fromstring(conn.lookupByName(name).XMLDesc(0).encode())
    return doc.find(f"metadata/{{{NAMESPACE}}}domain").get("workstation")


def test_clean_prunes_what_the_pillar_dropped_and_keeps_its_data(
    loaders, set_pillar, conn, tmp_path
):
    set_pillar(pillar(tmp_path, "wtpl", "wapp"))
    for name in ("wtpl", "wapp"):
        assert loaders.states.bulkhead_domain.present(name=name)["result"] is True
        assert workstation_of(conn, name) == loaders.opts["id"]
    set_pillar(pillar(tmp_path, "wtpl"))
    pool = conn.storagePoolLookupByName("wpool")
    before = (sorted(conn.listDefinedDomains()), sorted(pool.listVolumes()))
    preview = loaders.modules.state.sls("bulkhead.clean", test=True)
    pruned = next(r for r in preview.raw.values() if r["__id__"] == "bulkhead-clean-pruned")
    assert pruned["result"] is None and set(pruned["changes"]["domains"]) == {"wapp"}
    assert (sorted(conn.listDefinedDomains()), sorted(pool.listVolumes())) == before
    done = loaders.modules.state.sls("bulkhead.clean")
    pruned = next(r for r in done.raw.values() if r["__id__"] == "bulkhead-clean-pruned")
    assert pruned["result"] is True, pruned["comment"]
    assert "wapp" not in conn.listDefinedDomains() and "wtpl" in conn.listDefinedDomains()
    assert "wapp-private.qcow2" in pool.listVolumes()
    again = loaders.modules.state.sls("bulkhead.clean")
    assert all(r["changes"] == {} for r in again.raw.values())
    for name in ("wapp", "wtpl"):
        loaders.states.bulkhead_domain.absent(name=name, purge=True)
