"""A run's first domain reads start without the run's thread asking libvirt anything: the
listing is made by the reader pool, which then reads the wanted definitions a few at a time
(inventory_cache.section ``prefetch`` with a batch, nothing listed yet). Until they are read they
are on their way; one forgotten meanwhile is not read; a failed listing raises where it is first
asked, as it did when the run's thread listed."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import wait

import libvirt
import pytest

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.virt import InventoryCache, readers, tracked
from saltext.bulkhead.virt.context import current_plan
from saltext.bulkhead.virt.readers import Batch

from .test_inventory_cache import define_domains
from .virt_fixtures import pillar_data, reads_on_their_way


def test_the_listing_and_the_reads_are_made_by_the_readers_once_each(driver) -> None:
    conn, log = driver
    names = define_domains(conn, "la", 5)
    section = InventoryCache().domains
    log.clear()
    batch = Batch()
    section.prefetch(conn, [*names, "not-defined"], batch)
    assert log.calls == []  # queued, not made: the caller listed nothing
    # the listing will read them
    assert reads_on_their_way(section, names) and reads_on_their_way(section, ["not-defined"])
    assert not reads_on_their_way(section, ["not-wanted"])
    batch.start()
    read = {name: section.get(conn, name) for name in [*names, "not-defined"]}
    assert all(f"<name>{name}</name>" in read[name] for name in names)
    assert read["not-defined"] is None
    assert not reads_on_their_way(section, [*names, "not-defined"])
    assert Counter(log.calls) == {"connect.listAllDomains": 1, "domain.XMLDesc": len(names)}
    log.clear()
    section.prefetch(conn, names)  # listed and read already: nothing more
    assert section.get(conn, "la1") == read["la1"] and log.calls == []


def test_a_name_not_listed_is_no_longer_on_its_way_once_listed(driver) -> None:
    conn, _log = driver
    define_domains(conn, "nl", 1)
    section = InventoryCache().domains
    batch = Batch()
    section.prefetch(conn, ["nl0", "missing"], batch)
    batch.start()
    wait([section._ahead])  # noqa: SLF001 - the listing the prefetch queued
    assert not reads_on_their_way(section, ["missing"])  # listed without it: no read will come


@pytest.mark.parametrize("forgotten", ["fa0", None])
def test_a_listing_forgotten_before_it_started_is_not_made_nor_its_reads(
        driver, monkeypatch, forgotten) -> None:
    monkeypatch.setattr(readers, "THREADS", 1)  # the batch's calls are taken in their order
    conn, log = driver
    names = define_domains(conn, "fa", 4)
    section = InventoryCache().domains
    log.clear()
    batch = Batch()
    section.prefetch(conn, names, batch)
    pending = list(section._pending.values())  # noqa: SLF001 - the reads the listing will queue
    last = batch.add(lambda: None)
    section.forget(forgotten)  # what the tracker does after a mutating call
    assert all(read.done() for read in pending) and not reads_on_their_way(section, names)
    batch.start()
    last.result(timeout=30)  # taken after the listing: passed over
    assert log.calls == []  # neither the listing nor a read was made
    assert all(section.get(conn, name) is not None for name in names)  # listed again, here
    assert Counter(log.calls) == {"connect.listAllDomains": 1, "domain.XMLDesc": len(names)}


def test_a_failed_listing_raises_where_first_asked_and_is_made_again_next(driver) -> None:
    conn, log = driver
    names = define_domains(conn, "fl", 4)
    refused = libvirt.libvirtError("listing refused")
    lists = [lambda _conn: (_ for _ in ()).throw(refused), lambda c: c.listAllDomains(0)]
    section = InventoryCache().domains
    section._list_all = lambda c: lists.pop(0)(c)  # noqa: SLF001 - a listing libvirt refuses once
    batch = Batch()
    section.prefetch(conn, names, batch)
    batch.start()
    wait([section._ahead])  # noqa: SLF001 - the listing the prefetch queued
    assert not reads_on_their_way(section, names)  # nothing will come of it
    log.clear()
    with pytest.raises(libvirt.libvirtError, match="^listing refused$"):
        section.get(conn, "fl0")
    assert log.calls == []  # no read of the failed listing's was made
    assert section.get(conn, "fl2") is not None  # listed again, here
    assert Counter(log.calls) == {"connect.listAllDomains": 1, "domain.XMLDesc": 1}


def test_a_run_resolving_auto_submits_one_task_for_the_type_and_the_reads(
        driver, monkeypatch, tmp_path) -> None:
    # In a new process (salt-call, a minion's job) every submission of the run's thread starts
    # a thread and waits for it: the type's resolution is the first call of the reads' batch.
    conn, log = driver
    pool = readers.readers()  # the process's one pool, however a module reaches it
    submitted: list[str] = []
    submit = pool.submit

    def counted(fn, *args, **kwargs):
        submitted.append(threading.current_thread().name)
        return submit(fn, *args, **kwargs)

    monkeypatch.setattr(pool, "submit", counted)
    pillar = load_pillar(pillar_data(str(tmp_path / "pool")))
    assert pillar.host.domain_type.value == "auto"
    plan = current_plan(tracked(conn, InventoryCache()), pillar, check_type=False)
    assert plan.domain_type == "test"  # what auto resolves to on the test driver
    assert submitted.count(threading.current_thread().name) == 1
    assert "connect.getCapabilities" in log.calls and "connect.listAllDomains" in log.calls
