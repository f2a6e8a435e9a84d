"""A no-op apply asks libvirt in bulk: 2 calls per domain and 8 per run, counted by the one proxy.

The formula's order (pool, the netvm's network, every domain) as one Salt run applies it: one
tracked connection, one inventory. The second run, on a fresh inventory as the next Salt run
has, changes nothing, makes no mutating call and reads libvirt at most twice per domain (its
definition from the one listing; no call per property, and per volume only the shape of a private
one, which QEMU opens as qcow2: the test driver keeps no files, so libvirt is asked; on a local
hypervisor its header is read instead, virt/volume_header.py) and 8 times per run: the listings
of domains, pools and the pool's volumes (from the settled-pools listing's handle, no lookup), the
settled pools and networks, the pool's XML, the network's XML (from the settled-networks
listing's handle: the networks are not listed), the capabilities (auto is resolved each run).
Counts, not times.
"""

from __future__ import annotations

from collections import Counter

import pytest

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.virt import (
    InventoryCache,
    connect,
    counting,
    domain_present,
    network_present,
    pool_present,
    tracked,
)
from tests.guests import IMAGE

from .virt_fixtures import node_file

CALLS_PER_DOMAIN = 2
CALLS_PER_RUN = 8


def fleet(pool_path: str, apps: int) -> dict:
    """A template and ``apps`` app domains, the first providing network, every third behind it."""
    domains: dict = {"tpl": {"class": "template", "image": IMAGE, "netvm": "none"},
                     "net": {"class": "app", "template": "tpl", "provides_network": True,
                             "netvm": "none"}}
    for i in range(1, apps):
        domains[f"app{i:03d}"] = {"class": "app", "template": "tpl",
                                  "netvm": "net" if i % 3 == 1 else "none"}
    return {"host": {"workstation": "test-noop", "pool": "bhpool", "pool_path": pool_path,
                     "domain_type": "auto"},
            "domains": domains}


def run(conn, pillar) -> list:
    """One Salt run's worth of states on a fresh inventory; (name, result, changes) of each."""
    conn = tracked(conn, InventoryCache())
    outs = [("pool", pool_present(conn, pillar)), ("network", network_present(conn, pillar, "net"))]
    outs += [(name, domain_present(conn, pillar, name)) for name in pillar.domains]
    return [(name, out.result, out.changes) for name, out in outs]


@pytest.mark.parametrize("apps", [10, 30])
def test_a_noop_apply_makes_two_libvirt_calls_per_domain_and_eight_per_run(tmp_path, apps) -> None:
    pillar = load_pillar(fleet(str(tmp_path / "pool"), apps))
    domains = len(pillar.domains)
    with connect(node_file(tmp_path)) as raw:
        conn, log = counting(raw)
        cold = run(conn, pillar)
        assert all(result is True for _, result, _ in cold), cold
        assert sum(1 for _, _, changes in cold if changes) == domains + 2
        log.clear()
        again = run(conn, pillar)
    assert all((result, changes) == (True, {}) for _, result, changes in again), again
    assert log.mutating == []
    calls = Counter(log.calls)
    assert calls["connect.listAllDomains"] == 1  # one read of libvirt per run
    assert calls["connect.listAllNetworks"] == 1  # the settled ones: every network read is
    assert len(log.calls) <= CALLS_PER_DOMAIN * domains + CALLS_PER_RUN, (len(log.calls), calls)


def test_a_volume_removed_behind_bulkheads_back_is_seen_by_the_listing(tmp_path) -> None:
    # A domain defined as planned is asked whether each volume exists (from one listing).
    pillar = load_pillar(fleet(str(tmp_path / "pool"), 4))
    with connect(node_file(tmp_path)) as raw:
        run(raw, pillar)
        raw.storagePoolLookupByName("bhpool").storageVolLookupByName("app002-private.qcow2").delete(0)
        again = {name: changes for name, _, changes in run(raw, pillar) if changes}
    assert again == {"app002": {"volumes": {"app002-private.qcow2": "created"}}}


def _replace_private(raw, shape: str) -> None:
    """app002's private volume deleted and made again behind bulkhead's back, as ``shape``."""
    pool = raw.storagePoolLookupByName("bhpool")
    pool.storageVolLookupByName("app002-private.qcow2").delete(0)
    pool.createXML("<volume><name>app002-private.qcow2</name><capacity>1048576</capacity>"
                   f"{shape}</volume>", 0)


@pytest.mark.parametrize("shape", [
    "<target><format type='raw'/></target>",  # another format
    "<target><format type='qcow2'/></target><backingStore><path>/srv/other.qcow2</path>"
    "<format type='qcow2'/></backingStore>",  # QEMU would open the file it names
])
def test_a_private_volume_replaced_by_another_shape_is_refused_not_accepted(
    tmp_path, shape
) -> None:
    # A domain defined as planned is not asked every volume's shape, but those QEMU opens as
    # qcow2 and a start uses as found: a replaced one could show the domain another file.
    pillar = load_pillar(fleet(str(tmp_path / "pool"), 4))
    with connect(node_file(tmp_path)) as raw:
        run(raw, pillar)
        _replace_private(raw, shape)
        out = domain_present(tracked(raw, InventoryCache()), pillar, "app002")
        others = run(raw, pillar)
    assert out.result is False and out.changes == {}
    assert (
        "volume app002-private.qcow2 exists as" in out.comment
        and "will not overwrite" in out.comment
    )
    assert all(result is True for name, result, _ in others if name != "app002"), others
