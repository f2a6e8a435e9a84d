"""``plan_still_holds``: when defining the plan's own domains leaves the plan as it was, so apply
can keep it instead of planning once per defined domain."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import (
    RecordedDomain,
    RecordedInterface,
    plan_still_holds,
    plan_workstation,
)
from saltext.bulkhead.plan.metadata import read_recorded

from .workstation_pillar import TOPOLOGY, WORKSTATION

PILLAR = load_pillar(WORKSTATION)
NAMES = sorted(PILLAR.domains)


def as_defined(plan, names):
    return {n: read_recorded(plan.domains[n].xml) for n in names}


@settings(max_examples=60, deadline=None)
@given(st.permutations(NAMES), st.integers(0, len(NAMES)), st.integers(0, len(NAMES)))
def test_defining_the_plans_domains_in_any_order_keeps_the_plan(order, already, more):
    # Some domains were defined before this run; the run defines more, one at a time.
    base = plan_workstation(PILLAR, {}, topology=TOPOLOGY)
    before = as_defined(base, order[:already])
    plan = plan_workstation(PILLAR, before, topology=TOPOLOGY)
    after = dict(before)
    for name in order[already:already + more]:
        after[name] = read_recorded(plan.domains[name].xml)
        assert plan_still_holds(plan, before, after)
        replanned = plan_workstation(PILLAR, after, topology=TOPOLOGY)
        assert {n: d.xml for n, d in replanned.domains.items()} == {n: d.xml for n, d in plan.domains.items()}


def test_any_other_change_means_planning_again():
    plan = plan_workstation(PILLAR, {}, topology=TOPOLOGY)
    work = read_recorded(plan.domains["work"].xml)
    defined = {"work": work}
    # A record that differs from what the plan allocated (someone edited it, an older run).
    moved = RecordedDomain(work.uuid, (RecordedInterface(work.interfaces[0].network, "52:54:00:00:00:01",
                                                         work.interfaces[0].address),))
    assert not plan_still_holds(plan, {}, {"work": moved})
    # A domain outside the plan now records an address; a defined domain vanished or changed.
    assert not plan_still_holds(plan, {}, {"stranger": work})
    assert not plan_still_holds(plan, defined, {})
    assert not plan_still_holds(plan, {"work": moved}, defined)
    assert plan_still_holds(plan, defined, dict(defined))
