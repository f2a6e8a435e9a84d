"""CPU partitions against libvirt's test driver: domains are defined and started pinned to their
partition (vCPUs and emulator), a second run changes nothing, and a pillar the host's topology
cannot honour is refused naming that topology, with nothing defined."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.virt import (
    connect,
    counting,
    domain_present,
    domain_running,
    network_present,
    pool_present,
)

from .test_virt_apply import apply_both, assert_settled
from .virt_fixtures import pillar_data

# One socket of two cores with two SMT threads each: CPUs {0,1} and {2,3} are siblings.
NODE = ("<node><cpu><mhz>2000</mhz><model>i686</model><active>4</active><nodes>1</nodes>"
        "<sockets>1</sockets><cores>2</cores><threads>2</threads></cpu></node>\n")


def smt_host(tmp_path: Path) -> str:
    path = tmp_path / "node.xml"
    path.write_text(NODE)
    return f"test://{path}"


def partitioned(tmp_path: Path, partitions: dict) -> dict:
    data = pillar_data(str(tmp_path / "pool"))
    data["host"]["cpu_partitions"] = partitions
    data["domains"]["tpl"]["label"] = "black"
    data["domains"]["vault"] = {"class": "app", "template": "tpl", "label": "black"}
    return data


SECRET = {"cpus": "2-3", "labels": ["black"]}
TWO = {"secret": SECRET, "general": {"cpus": "0-1", "labels": ["red", "blue"]}}


def pins(xml: str) -> dict[str, str]:
    doc = etree.fromstring(xml.encode())
    found = {"vcpu": doc.find("vcpu").get("cpuset")}
    found.update({f"vcpu{p.get('vcpu')}": p.get("cpuset") for p in doc.iterfind("cputune/vcpupin")})
    emulator = doc.find("cputune/emulatorpin")
    found["emulator"] = emulator.get("cpuset") if emulator is not None else None
    return found


def test_domains_run_pinned_to_their_partition(tmp_path):
    pillar = load_pillar(partitioned(tmp_path, TWO))
    with connect(smt_host(tmp_path)) as raw:
        conn, log = counting(raw)
        assert pool_present(conn, pillar).result is True
        apply_both(domain_present, conn, log, pillar, "tpl")
        for name in ("net", "work", "vault"):
            apply_both(domain_present, conn, log, pillar, name)
            if name == "net":
                assert network_present(conn, pillar, "net").result is True
            assert domain_running(conn, pillar, name).result is True
            assert_settled(domain_present, conn, log, pillar, name)
        live = {n: pins(conn.lookupByName(n).XMLDesc(0)) for n in ("net", "work", "vault")}
    general = {"vcpu": "0-1", "vcpu0": "0-1", "emulator": "0-1"}
    assert live == {"net": general, "work": general,
                    "vault": {"vcpu": "2-3", "vcpu0": "2-3", "emulator": "2-3"}}


@pytest.mark.parametrize(("partitions", "expected"), [
    ({"secret": {"cpus": "1-2", "labels": ["black"]},
      "general": {"cpus": "0,3", "labels": ["red", "blue"]}},
     "CPUs 0-1 are one core (SMT siblings) split between partitions: 0 in 'general'; "
     "1 in 'secret'"),
    ({"secret": {"cpus": "2-3,7", "labels": ["black"]}, "general": TWO["general"]},
     "bulkhead:host:cpu_partitions:secret:cpus: CPU 7 does not exist"),
    ({"a": {"cpus": "0", "labels": ["black"]}, "b": {"cpus": "2", "labels": ["red"]},
      "c": {"cpus": "3", "labels": ["blue"]}},
     "3 partitions but the host has 2 cores"),
])
def test_a_pillar_the_topology_cannot_honour_is_refused(tmp_path, partitions, expected):
    pillar = load_pillar(partitioned(tmp_path, partitions))
    with connect(smt_host(tmp_path)) as conn:
        out = domain_present(conn, pillar, "work")
        assert out.result is False and expected in out.comment
        assert "this host: 4 CPUs in 2 cores, SMT: {0-1} {2-3}" in out.comment
        assert conn.listAllDomains(0) == []
