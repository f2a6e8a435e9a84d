"""The plan records each domain's memory bounds; bulkhead-memd reads the pillar's bounds back."""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from saltext.bulkhead.memd.libvirt_source import bounds_from_xml
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import plan_workstation
from saltext.bulkhead.plan.metadata import find_ours, read_memory
from saltext.bulkhead.plan.recorded import RecordedMemory

from .workstation_pillar import TOPOLOGY, WORKSTATION

MiB = 1024


def _planned(pillar: dict) -> dict[str, str]:
    plan = plan_workstation(load_pillar(pillar), {}, domain_type="qemu", topology=TOPOLOGY)
    return {name: d.xml for name, d in plan.domains.items()}


def test_every_domain_records_the_pillar_bounds_and_memd_reads_them_back():
    pillar = copy.deepcopy(WORKSTATION)
    pillar["domains"]["work"]["memory"] = {"min": 64, "initial": 200, "max": 900}
    model = load_pillar(pillar)
    for name, xml in _planned(pillar).items():
        memory = model.domains[name].memory
        assert read_memory(find_ours(xml)) == RecordedMemory(memory.minimum, memory.initial, memory.maximum)
        bounds = bounds_from_xml(xml)
        assert (bounds.min_kib, bounds.max_kib) == (memory.minimum * MiB, memory.maximum * MiB)
    work = bounds_from_xml(_planned(pillar)["work"])
    assert (work.min_kib, work.max_kib) == (64 * MiB, 900 * MiB)  # not the default floor of 128


def test_changing_a_bound_changes_the_domain_definition():
    pillar = copy.deepcopy(WORKSTATION)
    before = _planned(pillar)["vault"]
    pillar["domains"]["vault"]["memory"] = {"min": 100}
    assert _planned(pillar)["vault"] != before  # apply redefines it, so memd sees the new floor


def _with_record(**attrs: str) -> etree._Element:
    meta = find_ours(_planned(WORKSTATION)["vault"])
    record = meta.find("{*}memory")
    for key, value in attrs.items():
        record.set(key, value)
    return meta


@pytest.mark.parametrize("attrs", [{"unit": "KiB"}, {"min": "lots"}, {"max": ""}, {"min": "300"},
                                   {"min": "0"}])
def test_a_malformed_record_is_an_error_not_a_guess(attrs):
    with pytest.raises(ValueError):
        read_memory(_with_record(**attrs))


def test_a_domain_planned_before_bounds_were_recorded_reads_none():
    meta = find_ours(_planned(WORKSTATION)["vault"])
    meta.remove(meta.find("{*}memory"))
    assert read_memory(meta) is None
