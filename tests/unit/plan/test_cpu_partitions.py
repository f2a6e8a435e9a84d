"""CPU partitions against a host topology: CPU lists, topology parsing, and the rule that
domains of different partitions never share a core or an SMT sibling (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.model.cpu_list import format_cpu_list, parse_cpu_list
from saltext.bulkhead.plan import PlanError, plan_workstation
from saltext.bulkhead.plan.cpu_topology import topology_from_capabilities, topology_of
from tests.guests import IMAGE

LABELS = ("red", "blue", "green", "black")

# As libvirt reports an Intel host: SMT siblings are numbered apart (0 with 2, 1 with 3).
CAPABILITIES = """<capabilities><host><topology><cells num='1'><cell id='0'><cpus num='4'>
<cpu id='0' socket_id='0' die_id='0' core_id='0' siblings='0,2'/>
<cpu id='1' socket_id='0' die_id='0' core_id='1' siblings='1,3'/>
<cpu id='2' socket_id='0' die_id='0' core_id='0' siblings='0,2'/>
<cpu id='3' socket_id='0' die_id='0' core_id='1' siblings='1,3'/>
</cpus></cell></cells></topology></host></capabilities>"""


@given(st.frozensets(st.integers(0, 300)))
def test_cpu_lists_read_back_what_they_print(cpus):
    text = format_cpu_list(cpus)
    assert (parse_cpu_list(text) if text else frozenset()) == cpus


@pytest.mark.parametrize("text", ["", "a", "3-2", "1,,2", "99999", "0-9000", "-1", "1-"])
def test_cpu_lists_refuse_what_the_kernel_would_not_write(text):
    with pytest.raises(ValueError):
        parse_cpu_list(text)


def test_topology_from_capabilities_joins_siblings_numbered_apart():
    topology = topology_from_capabilities(CAPABILITIES)
    assert topology is not None
    assert topology.cores() == [frozenset({0, 2}), frozenset({1, 3})]
    assert topology.describe() == "4 CPUs in 2 cores, SMT: {0,2} {1,3}"
    assert topology_from_capabilities("<capabilities><host/></capabilities>") is None


def pillar(partitions: dict[str, frozenset[int]]) -> dict:
    """One domain per partition, placed by its label."""
    domains = {f"d-{name}": {"class": "standalone", "image": IMAGE, "label": LABELS[i]}
               for i, name in enumerate(sorted(partitions))}
    return {"host": {"workstation": "w", "cpu_partitions": {
                name: {"cpus": format_cpu_list(partitions[name]), "labels": [LABELS[i]]}
                for i, name in enumerate(sorted(partitions))}},
            "domains": domains}


@st.composite
def hosts_and_partitions(draw):
    """A host of 1..6 cores of 1 or 2 threads with shuffled CPU numbers, and 1..4 partitions
    each given a non-empty set of CPUs (some absent from the host)."""
    threads = draw(st.lists(st.integers(1, 2), min_size=1, max_size=6))
    ids = draw(st.permutations(range(sum(threads) + 1)))[: sum(threads)]
    cores, at = [], 0
    for n in threads:
        cores.append(ids[at:at + n])
        at += n
    count = draw(st.integers(1, 4))
    size = sum(threads) + 2  # CPU numbers beyond the host's too
    owner = draw(st.lists(st.integers(0, count), min_size=size, max_size=size))
    parts = {f"p{i}": frozenset(c for c, o in enumerate(owner) if o == i) for i in range(count)}
    return topology_of(cores), {n: c for n, c in parts.items() if c}


@settings(max_examples=200, deadline=None)
@given(hosts_and_partitions())
def test_no_two_partitions_share_a_core_and_honourable_pillars_are_accepted(case):
    topology, partitions = case
    if not partitions:
        return
    cores = topology.cores()
    exist = all(cpus <= topology.ids for cpus in partitions.values())
    whole_cores = all(sum(bool(core & cpus) for cpus in partitions.values()) <= 1 for core in cores)
    honourable = exist and whole_cores
    try:
        plan = plan_workstation(load_pillar(pillar(partitions)), {}, topology=topology)
    except PlanError as exc:
        assert not honourable, exc
        assert topology.describe() in str(exc)
        return
    assert honourable
    pinned = {name: d.cpus for name, d in plan.domains.items()}
    for a, cpus_a in pinned.items():
        assert cpus_a == partitions[a.removeprefix("d-")]
        assert f'cpuset="{format_cpu_list(cpus_a)}"' in plan.domains[a].xml
        for b, cpus_b in pinned.items():
            if a != b:
                assert not any(core & cpus_a and core & cpus_b for core in cores)


def test_partitions_need_the_topology():
    data = pillar({"p0": frozenset({0})})
    with pytest.raises(PlanError, match="needs the host's CPU topology"):
        plan_workstation(load_pillar(data), {})


def test_without_partitions_nothing_is_pinned():
    data = pillar({"p0": frozenset({0})})
    del data["host"]["cpu_partitions"]
    plan = plan_workstation(load_pillar(data), {})
    assert plan.cpu_partitions == {} and plan.domains["d-p0"].cpus is None
    assert "<cputune" not in plan.domains["d-p0"].xml and "cpuset" not in plan.domains["d-p0"].xml
