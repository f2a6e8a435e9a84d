"""The report's readers on fixed inputs: domain XML, qemu.conf, /proc status, policy."""

from __future__ import annotations

import pytest

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import plan_workstation
from saltext.bulkhead.policy import DomainInfo, Policy, System
from saltext.bulkhead.tcb.edges import rpc_edges
from saltext.bulkhead.tcb.position import firewall_summary, netvm_chain
from saltext.bulkhead.tcb.processes import parse_status
from saltext.bulkhead.tcb.qemu_conf import parse_qemu_conf
from saltext.bulkhead.tcb.surface import surface_of

from .sample import LOUD_XML

IMAGE = {"kind": "kernel", "root": "/i/r", "kernel": "/i/k", "initrd": "/i/i"}
PILLAR = {"host": {"workstation": "lab"}, "domains": {
    "tpl": {"class": "template", "image": IMAGE},
    "sys-net": {"class": "app", "template": "tpl", "provides_network": True,
                "uplink": {"network": "default", "address": "192.168.122.5/24"}},
    "work": {"class": "app", "template": "tpl", "netvm": "sys-net",
             "firewall": [{"action": "accept", "proto": "tcp", "dstports": "443"}]}}}


@pytest.mark.parametrize("domain_type", ["kvm", "qemu", "xen"])
def test_bulkheads_own_domains_have_nothing_flagged(domain_type):
    plan = plan_workstation(load_pillar(PILLAR), {}, domain_type=domain_type)
    for planned in plan.domains.values():
        surface = surface_of(planned.xml)
        assert (surface.graphics, surface.sound, surface.usb, surface.passthrough) == ((),) * 4
        assert {"org.bulkhead.agent.0", "org.bulkhead.rpc.0"} <= set(surface.channels)
        assert surface.devices


def test_loud_devices_are_all_flagged():
    surface = surface_of(LOUD_XML)
    assert [g.split("(")[0] for g in surface.graphics] == ["graphics", "video"]
    assert surface.sound and len(surface.usb) == 2 and len(surface.passthrough) == 2
    assert surface.passthrough_nics == ("interface(type=hostdev)",)


def test_qemu_conf_reads_settings_and_keeps_libvirts_defaults():
    assert parse_qemu_conf("# user = \"root\"\n") == parse_qemu_conf("")
    conf = parse_qemu_conf('user = "+0"\ngroup="root" # why\ndynamic_ownership = 0\n'
                           'seccomp_sandbox = -1\nsecurity_driver = [ "apparmor" ]\n')
    assert (conf.user, conf.group, conf.dynamic_ownership, conf.seccomp_sandbox,
            conf.security_driver) == ("0", "root", False, -1, "apparmor")
    assert parse_qemu_conf("").user == "libvirt-qemu" and parse_qemu_conf("").dynamic_ownership


def test_proc_status_gives_effective_ids_and_seccomp():
    status = ("Name:\tqemu\nUid:\t64055\t64055\t64055\t64055\n"
              "Gid:\t107\t108\t108\t108\nSeccomp:\t2\n")
    proc = parse_status(7, status)
    assert (proc.uid, proc.gid, proc.seccomp) == (64055, 108, "filter")
    assert parse_status(7, "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nSeccomp:\t0\n").seccomp == "off"


def test_network_position():
    pillar = load_pillar(PILLAR)
    assert netvm_chain(pillar, "work") == ("work", "sys-net", "uplink:default")
    assert netvm_chain(pillar, "tpl") == ("tpl",)
    assert firewall_summary(pillar.domains["work"]) == "1 rule(s), 1 accept, then drop"
    assert firewall_summary(pillar.domains["tpl"]) == "no network interface"
    assert firewall_summary(pillar.domains["sys-net"]).startswith("own uplink on default")


def test_rpc_edges_come_from_the_engine_with_wildcards_and_dispvms():
    policy = Policy.from_text("qubes.OpenInVM * work @dispvm allow\n"
                              "qubes.Gpg * @anyvm vault deny\n* * @anyvm vault ask\n", "p.policy")
    system = System({"dom0": DomainInfo("dom0", "AdminVM", power_state="Running"),
                     "work": DomainInfo("work", "AppVM", default_dispvm="dvm"),
                     "vault": DomainInfo("vault", "AppVM"),
                     "dvm": DomainInfo("dvm", "AppVM", template_for_dispvms=True)})
    found = rpc_edges(policy, system, ["work"])
    edges = {(e.source, e.target, e.service, e.verdict) for e in found}
    assert ("work", "@dispvm:dvm", "qubes.OpenInVM", "allow") in edges
    assert ("work", "vault", "*", "ask") in edges  # services no rule names, through "* *"
    assert ("work", "vault", "qubes.OpenInVM", "ask") in edges
    assert not any(service == "qubes.Gpg" for _, _, service, _ in edges)  # denied first


def test_the_audio_backend_libvirt_adds_by_itself_is_no_sound_device():
    from saltext.bulkhead.tcb.surface import surface_of

    live = ("<domain><devices><audio id='1' type='none'/><memballoon model='virtio'/></devices>"
            "</domain>")
    assert surface_of(live).sound == ()
    loud = "<domain><devices><sound model='ich9'/><audio id='1' type='pulseaudio'/></devices></domain>"
    assert len(surface_of(loud).sound) == 2
