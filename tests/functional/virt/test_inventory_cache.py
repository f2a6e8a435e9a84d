"""One read of libvirt per run, shared by the reconcilers, and never stale after our own changes."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import wait

import pytest

from saltext.bulkhead.model import DomainClass, load_pillar
from saltext.bulkhead.virt import (
    InventoryCache,
    cache_of,
    connect,
    counting,
    domain_absent,
    domain_present,
    domain_running,
    network_present,
    pool_present,
    tracked,
)

from .virt_fixtures import node_file, pillar_data

ORDER = ("tpl", "net", "work", "dvm", "disp")


def apply_all(conn, pillar, test=False):
    """The formula's order on one connection; (state, result, changes) per state."""
    outs = [
        ("pool", pool_present(conn, pillar, test=test)),
        ("network", network_present(conn, pillar, "net", test=test)),
    ]
    outs += [(name, domain_present(conn, pillar, name, test=test)) for name in ORDER]
    outs.append(("running net", domain_running(conn, pillar, "net", test=test)))
    return [(what, out.result, out.changes) for what, out in outs]


@pytest.fixture
def pillar(tmp_path):
    return load_pillar(pillar_data(str(tmp_path / "pool")))


def test_a_shared_run_changes_exactly_what_separate_reads_change(tmp_path, pillar) -> None:
    # Two private drivers, the same pillar: one run shares an inventory, the other reads per call.
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        connect(node_file(tmp_path / "a")) as shared_raw,
        connect(node_file(tmp_path / "b")) as plain,
    ):
        shared = tracked(shared_raw, InventoryCache())
        cold = apply_all(shared, pillar)
        assert all(result is True for _, result, _ in cold), cold
        assert cold == apply_all(plain, pillar)
        again = apply_all(shared, pillar)
        assert all((result, changes) == (True, {}) for _, result, changes in again), again


def test_a_noop_run_lists_domains_once_and_reads_each_definition_once(driver, pillar) -> None:
    conn, log = driver
    apply_all(conn, pillar)
    log.clear()
    run = tracked(conn, InventoryCache())
    apply_all(run, pillar)
    calls = Counter(log.calls)
    assert calls["connect.listAllDomains"] == 1
    assert calls["domain.XMLDesc"] == len(ORDER)
    assert calls["storagepool.listAllVolumes"] == 1
    # Of the volumes, only the shapes of those QEMU opens as qcow2 as found (the private ones).
    privates = {n for n in ORDER if pillar.domains[n].class_ != DomainClass.disposable}
    assert {c: n for c, n in calls.items() if c.startswith("storagevol.")} == {
        "storagevol.XMLDesc": len(privates)}
    assert log.mutating == []


def test_per_call_reads_grow_with_the_number_of_states(driver, pillar) -> None:
    # The same no-op without a shared inventory: what the cache saves (and that it is measured).
    conn, log = driver
    apply_all(conn, pillar)
    log.clear()
    apply_all(conn, pillar)
    assert Counter(log.calls)["connect.listAllDomains"] > len(ORDER)


def test_our_own_define_and_undefine_are_seen_at_once(driver, pillar) -> None:
    conn, log = driver
    run = tracked(conn, InventoryCache())
    cache = cache_of(run)
    assert pool_present(run, pillar).result is True  # plans: the inventory is read, no domains yet
    assert cache.domains.all(run) == {}
    assert domain_present(run, pillar, "tpl").result is True
    assert "tpl" in cache.domains.all(run)
    # an app needs its template defined: it must see the definition made by the previous state
    assert domain_present(run, pillar, "work").result is True
    assert domain_absent(run, pillar, "work", purge=True).result is True
    assert "work" not in cache.domains.all(run)
    assert cache.volumes("bhpool").get(run, "work-private.qcow2") is None
    assert domain_absent(run, pillar, "tpl", purge=True).result is True
    assert cache.domains.all(run) == {}


def test_volumes_created_through_any_object_are_seen(driver, pillar) -> None:
    conn, _log = driver
    run = tracked(conn, InventoryCache())
    pool_present(run, pillar)
    cache = cache_of(run)
    assert cache.volumes("bhpool").all(run) == {}
    pool = run.storagePoolLookupByName("bhpool")
    vol = pool.createXML("<volume><name>x.raw</name><capacity>1024</capacity></volume>", 0)
    assert "x.raw" in cache.volumes("bhpool").all(run)
    vol.delete(0)
    assert "x.raw" not in cache.volumes("bhpool").all(run)


def test_a_failed_mutating_call_forgets_everything(driver, pillar) -> None:
    conn, _log = driver
    run = tracked(conn, InventoryCache())
    pool_present(run, pillar)
    cache = cache_of(run)
    cache.domains.all(run)
    before = cache.domains.version
    # A failed call may have changed something before it failed, and names no object.
    with pytest.raises(Exception):  # noqa: B017 - any libvirt refusal will do
        run.defineXML("<domain/>")
    cache.domains.all(run)
    assert cache.domains.version > before


def test_a_plain_connection_is_read_live(driver) -> None:
    conn, _log = driver
    assert cache_of(conn) is None
    run = tracked(conn, InventoryCache())
    assert tracked(run) is run  # wrapping twice keeps the one inventory


def test_one_call_inventory_reads_one_by_one_and_still_sees_its_changes(driver, pillar) -> None:
    conn, log = driver
    run = tracked(conn)  # what a reconcile call given a plain connection uses
    cache = cache_of(run)
    assert cache.domains.get(run, "tpl") is None
    log.clear()
    assert cache.domains.get(run, "tpl") is None  # answered from the cache
    assert log.calls == []
    pool_present(run, pillar)
    assert domain_present(run, pillar, "tpl").result is True
    assert cache.domains.get(run, "tpl") is not None
    assert "connect.listAllStoragePools" in log.calls
    assert "storagepool.listAllVolumes" not in log.calls


def test_one_proxy_counts_and_tracks_each_call_once(driver, pillar) -> None:
    # Counting and tracking are two watchers of the same proxy, in either order of wrapping.
    conn, log = driver
    run = tracked(conn, InventoryCache())
    assert type(run) is type(conn)
    recounted, relog = counting(run)
    assert cache_of(recounted) is cache_of(run)
    pool_present(recounted, pillar)
    log.clear()
    relog.clear()
    pool = recounted.storagePoolLookupByName("bhpool")
    vol = pool.createXML("<volume><name>y.raw</name><capacity>1024</capacity></volume>", 0)
    assert "y.raw" in cache_of(run).volumes("bhpool").all(run)
    vol.delete(0)
    assert log.mutating == relog.mutating == ["storagepool.createXML", "storagevol.delete"]
    assert log.calls.count("storagepool.createXML") == 1  # not once per layer of wrapping


def define_domains(conn, prefix: str, count: int) -> list[str]:
    """``count`` minimal test-driver domains named ``<prefix>0``...; their names."""
    names = [f"{prefix}{i}" for i in range(count)]
    for name in names:
        conn.defineXML(f"<domain type='test'><name>{name}</name><memory>1024</memory>"
                       "<os><type>hvm</type></os></domain>")
    return names


def test_a_prefetch_reads_each_listed_definition_once_and_drops_one_undefined_since(driver):
    # The no-op's reads of the pillar's domains are made a few at a time (inventory_cache).
    conn, log = driver
    names = define_domains(conn, "pre", 6)
    cache = InventoryCache()
    section = cache.domains
    version = section.current_version(conn)  # listed: every name is known
    conn.lookupByName("pre3").undefine()  # behind the run's back, after its listing
    log.clear()
    section.prefetch(conn, names + ["not-listed"])  # started: collected when asked
    read = {name: section.get(conn, name) for name in names}
    assert Counter(log.calls) == {"domain.XMLDesc": len(names)}  # each once, none for the unknown
    assert section.current_version(conn) > version  # one disappeared: derived values recomputed
    assert read["pre3"] is None and "<name>pre1</name>" in read["pre1"]
    log.clear()
    assert section.get(conn, "pre1") == read["pre1"] and section.get(conn, "pre3") is None
    assert {n for n in section.all(conn) if n.startswith("pre")} == set(names) - {"pre3"}
    others = [n for n in section.all(conn) if not n.startswith("pre")]
    assert Counter(log.calls) == ({"domain.XMLDesc": len(others)} if others else {})  # read already


def test_a_prefetched_read_of_a_definition_changed_since_is_not_used(driver):
    # A read started before this run changed the object may carry the old definition.
    conn, log = driver
    names = define_domains(conn, "chg", 5)
    uuid = conn.lookupByName("chg2").UUIDString()
    section = InventoryCache().domains
    section.prefetch(conn, names)
    in_flight = list(section._pending.values())  # noqa: SLF001 - the reads the prefetch started
    conn.defineXML(f"<domain type='test'><name>chg2</name><uuid>{uuid}</uuid>"
                   "<memory>2048</memory><os><type>hvm</type></os></domain>")
    section.forget("chg2")  # what the tracker does after a mutating call on chg2
    wait(in_flight)  # done or cancelled: no prefetched read is counted after the clear below
    log.clear()
    assert "<memory unit='KiB'>2048</memory>" in section.get(conn, "chg2")
    assert Counter(log.calls) == {"connect.lookupByName": 1, "domain.XMLDesc": 1}


def test_listings_read_ahead_are_used_once_and_dropped_when_the_run_changes_an_object(driver):
    # A run's listings are started in the reader pool while the plan is made (virt/context.py).
    conn, log = driver
    conn.networkDefineXML("<network><name>ahead0</name></network>")
    cache = InventoryCache()
    cache.read_ahead(conn, [], "default-pool", ["ahead0"])
    assert "ahead0" in cache.networks.all(conn) and not cache.settled_networks.includes(
        conn, "ahead0")  # defined, not started: not settled
    calls = Counter(log.calls)
    assert calls["connect.listAllNetworks"] == 2  # the plain listing and the settled one, once each
    assert calls["connect.listAllStoragePools"] == 2
    assert cache.volumes("default-pool").names(conn) is not None
    log.clear()
    assert cache.networks.get(conn, "ahead0") is not None and log.calls == []  # read already

    again = InventoryCache()
    again.read_ahead(conn, [], "default-pool", ["ahead0"])
    again.networks._ahead.result()  # listed (with ahead0) before the change below
    conn.networkLookupByName("ahead0").undefine()
    again.forget_network("ahead0")  # what the tracker does after a mutating call on it
    assert again.networks.get(conn, "ahead0") is None  # the listing from before is not used
    assert not again.settled_networks.includes(conn, "ahead0")


def test_settled_networks_read_ahead_are_read_from_that_listing_and_others_list_them_all(
        driver):
    # A no-op reads only networks active and started at boot: the settled listing has them all.
    conn, log = driver
    for name in ("set0", "other0"):
        conn.networkDefineXML(f"<network><name>{name}</name></network>")
    net = conn.networkLookupByName("set0")
    net.create()
    net.setAutostart(1)
    cache = InventoryCache()
    log.clear()
    cache.read_ahead(conn, [], "default-pool", ["set0"])
    assert "<name>set0</name>" in cache.networks.get(conn, "set0")
    assert cache.settled_networks.includes(conn, "set0")
    calls = Counter(log.calls)
    assert calls["connect.listAllNetworks"] == 1 and calls["network.XMLDesc"] == 1  # not listed
    log.clear()
    assert "<name>other0</name>" in cache.networks.get(conn, "other0")  # not read: all listed
    assert {"set0", "other0"} <= set(cache.networks.all(conn))
    assert Counter(log.calls)["connect.listAllNetworks"] == 1

    again = InventoryCache()
    again.read_ahead(conn, [], "default-pool", ["set0"])
    again.networks.get(conn, "set0")  # read from the settled listing
    conn.networkLookupByName("set0").setAutostart(0)  # a change of the run's: set0 forgotten
    again.forget_network("set0")
    log.clear()
    assert "<name>set0</name>" in again.networks.get(conn, "set0")
    assert Counter(log.calls)["connect.listAllNetworks"] == 1  # read again, from a listing
    conn.networkLookupByName("set0").destroy()
    again.forget_network("set0")
    conn.networkLookupByName("set0").undefine()
    assert again.networks.get(conn, "set0") is None  # gone: not answered from the early read

    unsettled = InventoryCache()  # a wanted network not settled: every network is listed
    log.clear()
    unsettled.read_ahead(conn, [], "default-pool", ["other0"])
    assert "<name>other0</name>" in unsettled.networks.get(conn, "other0")
    assert Counter(log.calls)["connect.listAllNetworks"] == 2  # the settled and the plain one
