"""A run's reads and plan are freed when the run ends, without the garbage collector.

Salt drops a run's ``__context__`` (the connection's inventory cache, the plan) when the run ends.
Anything in it caught in a reference cycle waits for a collector pass instead, ages into older
generations and makes those passes slow in later runs of the same process (a minion's).
"""

from __future__ import annotations

import gc
import weakref

import pytest

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import plan_workstation
from saltext.bulkhead.virt import InventoryCache, cache_of, connect, tracked

from .test_inventory_cache import apply_all
from .virt_fixtures import node_file, pillar_data


@pytest.fixture
def no_collector():
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def test_a_runs_cache_is_freed_when_the_run_lets_it_go(tmp_path, no_collector) -> None:
    pillar = load_pillar(pillar_data(str(tmp_path / "pool")))
    with connect(node_file(tmp_path)) as raw:
        for _ in range(2):  # the cold run, then a no-op reading every definition
            cache = InventoryCache()
            conn = tracked(raw, cache)
            assert all(result is True for _, result, _ in apply_all(conn, pillar))
            assert cache_of(conn) is cache
            gone = weakref.ref(cache)
            del cache, conn
            assert gone() is None, gc.get_referrers(gone())


def test_a_tracked_connection_holds_its_cache_and_lets_it_go_with_itself(tmp_path,
                                                                          no_collector) -> None:
    with connect(node_file(tmp_path)) as raw:
        conn = tracked(raw, InventoryCache())  # nothing else holds the cache
        gone = weakref.ref(cache_of(conn))
        assert gone() is not None
        assert tracked(tracked(conn)) is conn  # tracked already: the same connection, one cache
        del conn
        assert gone() is None


def test_a_plan_is_freed_without_the_collector(tmp_path, no_collector) -> None:
    pillar = load_pillar(pillar_data(str(tmp_path / "pool")))
    before = len(gc.get_objects())
    for _ in range(3):
        plan_workstation(pillar, {}, domain_type="qemu")
    assert gc.collect() == 0
    assert len(gc.get_objects()) - before < 50
