"""The planned side of a comparison is read from the plan's draft, not from parsing its XML.

``Draft.document`` must be what parsing the rendered XML gives (less the config hash and the
workstation's mark, recorded at rendering), so that ``properties_of`` reads the same from both:
for the golden workstation in every domain type, for generated pillars and CPU partitions, and for
drafts of awkward values (whatever lxml renders).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import plan_workstation
from saltext.bulkhead.plan.draft import render_built
from saltext.bulkhead.plan.metadata import HASH_TAG
from saltext.bulkhead.plan.ownership import WORKSTATION_ATTR
from saltext.bulkhead.plan.workstation import Plan
from saltext.bulkhead.plan.xmlutil import ns
from saltext.bulkhead.virt.domain_props import properties, properties_of
from tests.unit.model.test_pillar_properties import valid_pillars
from tests.unit.plan.test_cpu_partitions import hosts_and_partitions
from tests.unit.plan.test_cpu_partitions import pillar as partitioned_pillar
from tests.unit.plan.test_draft_render import VALUES, _draft
from tests.unit.plan.workstation_pillar import TOPOLOGY, WORKSTATION

SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
_HASH = ns(HASH_TAG)


def tree(el: Any) -> tuple[Any, ...]:
    """An element as parsing reads it: tag, attributes, text (of a leaf: between elements, only
    the indentation is written) and children, without what rendering records."""
    attrs = {k: v for k, v in el.items() if k != WORKSTATION_ATTR}
    text = el.text if len(el) == 0 else (el.text or "").strip() or None
    return el.tag, attrs, text, [tree(c) for c in el if c.tag != _HASH]


def assert_read_alike(plan: Plan) -> None:
    for dplan in plan.domains.values():
        drafted = dplan.draft.document()
        assert tree(drafted) == tree(etree.fromstring(dplan.xml.encode())), dplan.name
        assert properties_of(drafted) == properties(dplan.xml), dplan.name


@pytest.mark.parametrize("domain_type", ["qemu", "kvm", "xen"])
def test_golden_plans_read_alike(domain_type: str) -> None:
    # Every domain class, a netvm chain, an uplink, a GUI and CPU pins (the goldens' workstation).
    assert_read_alike(plan_workstation(load_pillar(WORKSTATION), {}, domain_type=domain_type,
                                       topology=TOPOLOGY))


@SETTINGS
@given(valid_pillars())
def test_generated_pillars_plans_read_alike(data: dict[str, Any]) -> None:
    assert_read_alike(plan_workstation(load_pillar(data), {}))


@SETTINGS
@given(hosts_and_partitions())
def test_pinned_plans_read_alike(case: Any) -> None:
    topology, partitions = case
    if not partitions:
        return
    try:
        plan = plan_workstation(load_pillar(partitioned_pillar(partitions)), {}, topology=topology)
    except ValueError:  # a partition the host cannot give (PlanError)
        return
    assert_read_alike(plan)


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_any_rendered_draft_reads_alike(values: list[str]) -> None:
    # Values lxml escapes, empty texts and attributes, our namespace: whatever lxml writes.
    draft, meta = _draft(values)
    try:
        xml, _ = render_built(draft, meta, "w")
    except ValueError:  # lxml refuses a value: no document, nothing to compare
        return
    assert tree(draft.document()) == tree(etree.fromstring(xml.encode()))
