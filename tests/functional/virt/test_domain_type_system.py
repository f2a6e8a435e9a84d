"""On the real libvirtd (qemu:///system), an explicit domain type is confirmed by libvirt's domain
capabilities for it (one small answer) without reading the host's capabilities; a type the
domain capabilities refuse is decided by the host's capabilities as ever, and refused with what
they offer. ``auto`` on a host offering KVM asks kvm's domain capabilities (then qemu's when the
probes refuse KVM, unless the run defines nothing: who defines is refused a fallback not offered)
and chooses what the host's capabilities choose. Reads only: nothing of the host is changed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import libvirt
import pytest
from lxml import etree

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.virt import BulkheadVirtError, counting, hypervisor, tracked
from saltext.bulkhead.virt.context import current_plan, type_refusal
from saltext.bulkhead.virt.hypervisor import emulator_for, offered_types, resolve

from .virt_fixtures import pillar_data, system_connection


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


def test_a_run_that_defines_nothing_takes_tcg_as_offered_where_kvm_is(system, monkeypatch):
    if "kvm" not in offered_types(system.getCapabilities()):
        pytest.skip("this host offers no KVM")
    monkeypatch.setattr(hypervisor, "kvm_runs_guests", lambda emulator, kernel: False)
    conn, log = counting(system)
    assert resolve(conn, "auto", domain_caps=True, confirm_fallback=False) == "qemu"
    assert log.calls == ["connect.getDomainCapabilities"]  # kvm's alone: a no-op's one call


class _WithoutTcg:
    """The host's connection as one whose QEMU has no TCG (as a build without it): libvirt
    offers kvm guests only."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def getDomainCapabilities(self, emulator, arch, machine, virttype, flags=0):  # noqa: N802
        if virttype != "kvm":
            raise libvirt.libvirtError(f"no {virttype} guests here")
        return self._conn.getDomainCapabilities(emulator, arch, machine, virttype, flags)

    def getCapabilities(self) -> str:  # noqa: N802
        doc = etree.fromstring(self._conn.getCapabilities().encode())
        for domain in doc.xpath("guest/arch/domain[@type!='kvm']"):
            domain.getparent().remove(domain)
        return etree.tostring(doc, encoding="unicode")


def test_auto_that_falls_back_to_a_type_not_offered_is_refused_before_a_definition(
        system, monkeypatch, tmp_path):
    if "kvm" not in offered_types(system.getCapabilities()):
        pytest.skip("this host offers no KVM")
    monkeypatch.setattr(hypervisor, "kvm_runs_guests", lambda emulator, kernel: False)
    conn = _WithoutTcg(system)
    pillar = load_pillar(pillar_data(str(tmp_path / "pool")))
    # A run that defines nothing plans TCG unasked; one that would define is refused, by name.
    assert current_plan(tracked(conn), pillar, check_type=False).domain_type == "qemu"
    refusal = type_refusal(tracked(conn), pillar)
    assert refusal is not None
    assert refusal.startswith("bulkhead:host:domain_type is 'auto' and KVM does not run guests "
                              "here, so it chose 'qemu'; ")
    assert "offers kvm" in refusal
    with pytest.raises(BulkheadVirtError, match="offers"):  # asked to check: as before
        current_plan(tracked(conn), pillar)


def test_the_emulator_is_read_from_the_domain_capabilities_own_path(system) -> None:
    caps = system.getDomainCapabilities(None, None, None, "qemu", 0)
    expected = etree.fromstring(caps.encode()).findtext("path")
    assert hypervisor._emulator_in(caps) == hypervisor._emulator_in(caps, chunk=7) == expected
    nested = "<domainCapabilities><os><path>/x</path></os><path>/y</path></domainCapabilities>"
    assert hypervisor._emulator_in(nested) == "/y"  # a deeper <path> is not the emulator
    none = "<domainCapabilities><domain>kvm</domain></domainCapabilities>"
    assert hypervisor._emulator_in(none) is None
    assert hypervisor._first_child_path(caps) == expected  # read without a parser
    for other in (nested, none, "<?xml version='1.0'?>\n" + caps,
                  caps.replace("<path>", "<!-- -->\n<path>", 1),
                  caps.replace("</path>", "&amp;x</path>", 1)):
        assert hypervisor._first_child_path(other) is None  # left to the parser
