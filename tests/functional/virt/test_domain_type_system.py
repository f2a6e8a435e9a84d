"""On the real libvirtd (qemu:///system), an explicit domain type is confirmed by libvirt's domain
capabilities for it (one small answer) without reading the host's capabilities; a type the
domain capabilities refuse is decided by the host's capabilities as ever, and refused with what
they offer. ``auto`` on a host offering KVM asks kvm's domain capabilities (then qemu's when the
probes refuse KVM) and chooses what the host's capabilities choose. Reads only: nothing of the
host is changed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from saltext.bulkhead.virt import BulkheadVirtError, counting, hypervisor
from saltext.bulkhead.virt.hypervisor import emulator_for, offered_types, resolve

from .virt_fixtures import system_connection


@pytest.fixture
def system() -> Iterator[Any]:
    with system_connection() as conn:
        yield conn


def test_an_offered_type_is_confirmed_by_its_domain_capabilities_alone(system) -> None:
    conn, log = counting(system)
    assert "qemu" in offered_types(system.getCapabilities())
    assert resolve(conn, "qemu", domain_caps=True) == "qemu"
    assert log.calls == ["connect.getDomainCapabilities"]


def test_a_type_not_offered_is_refused_naming_what_the_host_offers(system) -> None:
    conn, log = counting(system)
    offered = offered_types(system.getCapabilities())
    assert "xen" not in offered  # a QEMU host
    with pytest.raises(BulkheadVirtError, match="'xen' but this libvirt connection offers") as exc:
        resolve(conn, "xen", domain_caps=True)
    assert all(kind in str(exc.value) for kind in offered)
    assert log.calls == ["connect.getDomainCapabilities", "connect.getCapabilities"]


def test_without_domain_capabilities_the_host_capabilities_decide(system) -> None:
    conn, log = counting(system)
    assert resolve(conn, "qemu") == "qemu"
    assert log.calls == ["connect.getCapabilities"]


@pytest.mark.parametrize("kvm_runs", [True, False])
def test_auto_chooses_as_the_host_capabilities_do_asking_the_domain_capabilities(
        system, kvm_runs) -> None:
    conn, log = counting(system)
    chosen = resolve(conn, "auto", kvm_check=lambda: kvm_runs, domain_caps=True)
    assert chosen == resolve(system, "auto", kvm_check=lambda: kvm_runs)  # from the host's
    if "kvm" in offered_types(system.getCapabilities()):
        asked = ["connect.getDomainCapabilities"] * (1 if kvm_runs else 2)  # kvm's, then qemu's
        assert log.calls == asked


def test_auto_probes_kvm_with_the_emulator_the_host_capabilities_name(system, monkeypatch):
    if "kvm" not in offered_types(system.getCapabilities()):
        pytest.skip("this host offers no KVM")
    probed = []
    monkeypatch.setattr(hypervisor, "kvm_runs_guests",
                        lambda emulator, kernel: probed.append((emulator, kernel)) or False)
    assert resolve(system, "auto", kernel="/k", domain_caps=True) == "qemu"
    expected = emulator_for(system.getCapabilities(), os.uname().machine)
    assert probed == [(expected, "/k")] and expected is not None
