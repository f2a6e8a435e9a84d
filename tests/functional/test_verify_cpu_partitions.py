"""`bulkhead verify`'s CPU partition check against libvirt's test driver: a node of two SMT
cores whose running domains are exactly as planned passes; one whose vault libvirt holds pinned
into the other partition fails naming it. (QEMU threads in /proc: tests/integration.)"""

from __future__ import annotations

import pytest
from lxml import etree

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import plan_workstation
from saltext.bulkhead.plan.cpu_topology import topology_from_counts

from .test_verify_report import IMAGE, verify

CHECK = ("qemu_threads_stay_in_their_partition",)
NODE_CPU = ("<cpu><mhz>2000</mhz><model>i686</model><active>4</active><nodes>1</nodes>"
            "<sockets>1</sockets><cores>2</cores><threads>2</threads></cpu>")


def pillar(tmp_path, uri: str) -> dict:
    return {
        "host": {"uri": uri, "domain_type": "auto", "workstation": "ws-cpu",
                 "cpu_partitions": {"secret": {"cpus": "2-3", "labels": ["black"]},
                                    "general": {"cpus": "0-1", "labels": ["red"]}}},
        "domains": {
            "tpl": {"class": "template", "netvm": "none", "image": IMAGE, "label": "black"},
            "vault": {"class": "app", "template": "tpl", "label": "black", "running": True},
            "work": {"class": "app", "template": "tpl", "running": True},
        },
        "formula": {"paths": {"broker_pidfile": str(tmp_path / "broker.pid"),
                              "dispvm_registry": str(tmp_path / "dispvms")}},
    }


def running_node(tmp_path, moved_to: str | None) -> dict:
    """A test-driver node running vault and work as planned (vault pinned to ``moved_to``
    instead, when given); returns the pillar that points at it."""
    path = tmp_path / "node.xml"
    data = pillar(tmp_path, f"test://{path}")
    plan = plan_workstation(load_pillar(data), {}, domain_type="test",
                            topology=topology_from_counts(1, 2, 2))
    domains = []
    for name in ("vault", "work"):
        doc = etree.fromstring(plan.domains[name].xml.encode())
        if moved_to is not None and name == "vault":
            for el in doc.iter("vcpu", "vcpupin", "emulatorpin"):
                el.set("cpuset", moved_to)
        domains.append(etree.tostring(doc).decode())
    path.write_text(f"<node>{NODE_CPU}{''.join(domains)}</node>\n")
    return data


def test_domains_pinned_as_planned_pass(tmp_path):
    run = verify(tmp_path, running_node(tmp_path, None), CHECK)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "PASS  host_cpu_partitions: qemu_threads_stay_in_their_partition" in run.stdout


@pytest.mark.parametrize("moved_to", ["0-1", "1-2"])
def test_a_domain_pinned_outside_its_partition_fails(tmp_path, moved_to):
    run = verify(tmp_path, running_node(tmp_path, moved_to), CHECK)
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"vault: libvirt's vcpu cpuset '{moved_to}' is outside its partition's 2-3" in run.stdout
    assert "work:" not in run.stdout.split("outside its partition", 1)[1]
