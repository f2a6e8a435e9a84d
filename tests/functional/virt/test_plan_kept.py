"""A run keeps its plan in ``formula:paths:plan_cache`` and a later run with the same inputs
(in a new process: a salt-call) loads it instead of planning; a run whose inputs changed plans
again, and the kept plan changes nothing a run decides."""

from __future__ import annotations

import pytest

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import plan_workstation
from saltext.bulkhead.virt import InventoryCache, connect, context, tracked
from saltext.bulkhead.virt.context import current_plan

from .test_inventory_cache import apply_all
from .virt_fixtures import node_file, pillar_data


def _pillar(tmp_path, **domains_changed):
    data = pillar_data(str(tmp_path / "pool"))
    data["formula"] = {"paths": {"plan_cache": str(tmp_path / "plans")}}
    data["domains"]["work"].update(domains_changed)
    return load_pillar(data)


@pytest.fixture
def planned(monkeypatch):
    """How often a run really planned."""
    made = []

    def counted(*args, **kwargs):
        made.append(1)
        return plan_workstation(*args, **kwargs)

    monkeypatch.setattr(context, "plan_workstation", counted)
    return made


def test_a_later_run_with_the_same_inputs_loads_the_plan_and_decides_the_same(
        tmp_path, planned) -> None:
    pillar = _pillar(tmp_path)
    with connect(node_file(tmp_path)) as conn:
        apply_all(tracked(conn, InventoryCache()), pillar)
        cold = len(planned)
        assert cold >= 1 and len(list((tmp_path / "plans").glob("*.plan"))) == cold
        first = current_plan(tracked(conn, InventoryCache()), pillar)
        planned.clear()
        # Each run: a new connection cache, as a new process has; the pillar validated again.
        for _ in range(2):
            run = tracked(conn, InventoryCache())
            again = _pillar(tmp_path)
            assert current_plan(run, again) == first
            assert all(changes == {} for _, _, changes in apply_all(run, again, test=True))
        assert planned == []


def test_a_run_whose_pillar_changed_plans_again_and_keeps_that_plan_too(tmp_path,
                                                                        planned) -> None:
    with connect(node_file(tmp_path)) as conn:
        apply_all(tracked(conn, InventoryCache()), _pillar(tmp_path))
        planned.clear()
        changed = _pillar(tmp_path, label="red")
        out = dict((what, changes) for what, _, changes in
                   apply_all(tracked(conn, InventoryCache()), changed, test=True))
        assert out["work"] and planned == [1]
        current_plan(tracked(conn, InventoryCache()), changed)
        assert planned == [1]  # the changed pillar's plan was kept as well


def test_without_a_cache_the_run_plans_and_decides_as_before(tmp_path, planned) -> None:
    (tmp_path / "plans").write_text("a file where the folder would be")
    pillar = _pillar(tmp_path)
    with connect(node_file(tmp_path)) as conn:
        apply_all(tracked(conn, InventoryCache()), pillar)
        planned.clear()
        out = apply_all(tracked(conn, InventoryCache()), pillar, test=True)
        assert all(changes == {} for _, _, changes in out) and planned == [1]
