"""Every deviation kind is found in a fixed report, named with its domain, and only the ones the
pillar lists stay unaccepted."""

from __future__ import annotations

from dataclasses import replace

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.model.tcb import DEVIATION_KINDS, AcceptedDeviation
from saltext.bulkhead.tcb.deviations import WHY, find_deviations

from .sample import CLEAN_XML, domain, sample


def test_every_kind_is_explained():
    assert set(WHY) == set(DEVIATION_KINDS)


def test_every_kind_is_detected_with_its_domain():
    found = {(d.kind, d.domain) for d in sample().deviations}
    assert found == {
        ("security_driver_none", None), ("qemu_as_root", None), ("dynamic_ownership_off", None),
        ("seccomp_off", None), ("qemu_as_root", "vault"), ("seccomp_off", "vault"),
        ("graphics_device", "loud"), ("sound_device", "loud"), ("usb_device", "loud"),
        ("passthrough_device", "loud"), ("nic_bypasses_netvm", "loud"),
        ("allow_to_admin", "work"), ("partition_mixes_trust", "vault"),
    }
    assert {d.kind for d in sample().deviations} == set(DEVIATION_KINDS)


def test_a_clean_report_has_no_deviation():
    report = sample()
    clean = replace(report, security_driver="apparmor", edges=(), cpu_partitions=None,
                    qemu_conf={**report.qemu_conf, "user": "libvirt-qemu",
                               "dynamic_ownership": True, "seccomp_sandbox": 1},
                    domains=(domain("work", "blue", 5, CLEAN_XML.format(name="work")),))
    assert find_deviations(clean, ()) == ()


def test_a_netvm_may_drive_its_own_nic_but_it_is_still_passthrough():
    report = sample()
    loud = replace(report.domains[0], provides_network=True)
    kinds = {d.kind for d in find_deviations(replace(report, domains=(loud,)), ())
             if d.domain == "loud"}
    assert "nic_bypasses_netvm" not in kinds and "passthrough_device" in kinds


def test_accepted_deviations_carry_their_reason_and_only_match_their_domain():
    accept = (AcceptedDeviation(deviation="usb_device", domain="loud", reason="sys-usb"),
              AcceptedDeviation(deviation="security_driver_none", reason="no AppArmor here"),
              AcceptedDeviation(deviation="seccomp_off", domain="work", reason="not vault"))
    report = sample(accept)
    reasons = {(d.kind, d.domain): d.accepted for d in report.deviations}
    assert reasons[("usb_device", "loud")] == "sys-usb"
    assert reasons[("security_driver_none", None)] == "no AppArmor here"
    assert reasons[("seccomp_off", "vault")] is None  # accepted for work only
    assert len(report.unaccepted) == len(report.deviations) - 2


def test_the_pillar_rejects_unknown_kinds_and_domains():
    import pytest

    from saltext.bulkhead.model import PillarError

    base = {"host": {"workstation": "lab"}}
    with pytest.raises(PillarError, match="tcb:accept:0:deviation"):
        load_pillar({**base, "tcb": {"accept": [{"deviation": "no_such", "reason": "why not"}]}})
    with pytest.raises(PillarError, match="tcb:accept:0:domain: 'ghost' is not a domain"):
        load_pillar({**base, "tcb": {"accept": [
            {"deviation": "usb_device", "domain": "ghost", "reason": "why not"}]}})
    with pytest.raises(PillarError, match="tcb:accept:0:reason"):
        load_pillar({**base, "tcb": {"accept": [{"deviation": "usb_device"}]}})
