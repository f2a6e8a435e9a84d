"""``host:cpu_partitions`` and ``cpu_partition`` validate with FILE:LINE:path errors: partitions
share no CPU, a label belongs to one partition, every domain lands in one."""

from __future__ import annotations

import pytest

from saltext.bulkhead.model import PillarError
from saltext.bulkhead.model.cpu_partition import partition_of
from saltext.bulkhead.model.load import load_pillar_text

PILLAR = """bulkhead:
  host:
    workstation: w
    cpu_partitions:
      secret: {cpus: "1", labels: [black]}
      general: {cpus: "%s", labels: [red, %s]}
  domains:
    v: {class: standalone, label: blue, image: {kind: disk, root: /x.img}}
    w: {class: standalone, label: black, cpu_partition: %s, image: {kind: disk, root: /x.img}}
"""


def errors(general_cpus: str, second_label: str, w_partition: str) -> list[str]:
    with pytest.raises(PillarError) as caught:
        load_pillar_text(PILLAR % (general_cpus, second_label, w_partition), "p.sls")
    return caught.value.lines


def test_each_problem_is_one_line_at_its_place():
    assert errors("0-1", "black", "nope") == [
        "p.sls:8: bulkhead:domains:v:cpu_partition: label blue is in no partition of "
        "host:cpu_partitions: name a partition here or add the label to one (with partitions, "
        "every domain runs in one)",
        "p.sls:9: bulkhead:domains:w:cpu_partition: no partition 'nope' in host:cpu_partitions "
        "(general, secret)",
        "p.sls:5: bulkhead:host:cpu_partitions:secret:cpus: CPU 1 is also in partition "
        "'general'; partitions never share a CPU",
        "p.sls:5: bulkhead:host:cpu_partitions:secret:labels: label black is also in partition "
        "'general'; a label belongs to one partition",
    ]


@pytest.mark.parametrize(("cpus", "problem"), [
    ("3-2", "'3-2': ranges go upwards"),
    ("0,,1", "must be a list of host CPU numbers"),
    ("99999", "must be a list of host CPU numbers"),
])
def test_cpu_lists_are_checked(cpus, problem):
    (line,) = [e for e in errors(cpus, "blue", "secret") if "general:cpus" in e]
    assert line.startswith("p.sls:6: bulkhead:host:cpu_partitions:general:cpus: ")
    assert problem in line


def test_a_domain_runs_in_the_partition_it_names_else_the_one_of_its_label():
    pillar = load_pillar_text(PILLAR % ("0", "blue", "general"), "p.sls")
    parts = pillar.host.cpu_partitions
    assert parts["general"].cpu_set == {0} and parts["secret"].cpu_set == {1}
    assert partition_of(parts, pillar.domains["v"]) == "general"  # by its label, blue
    assert partition_of(parts, pillar.domains["w"]) == "general"  # named, though black


def test_a_disposable_runs_in_its_templates_partition():
    from saltext.bulkhead.model.disposables import with_disposables

    text = (PILLAR % ("0", "blue", "secret")).replace(
        "    v: {", "    dvm: {class: app, template: t, template_for_dispvms: true, label: red,"
                  " cpu_partition: secret}\n    t: {class: template, label: black,"
                  " image: {kind: disk, root: /t.img}}\n    v: {")
    pillar = with_disposables(load_pillar_text(text, "p.sls"), {"disp7": "dvm"})
    assert partition_of(pillar.host.cpu_partitions, pillar.domains["disp7"]) == "secret"
