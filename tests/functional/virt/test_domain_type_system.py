"""On the real libvirtd (qemu:///system), an explicit domain type is confirmed by libvirt's domain
capabilities for it (one small answer) without reading the host's capabilities; a type the
domain capabilities refuse is decided by the host's capabilities as ever, and refused with what
they offer. Reads only: nothing of the host is changed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from saltext.bulkhead.virt import BulkheadVirtError, connect, counting
from saltext.bulkhead.virt.hypervisor import offered_types, resolve
from tests.guests import URI


@pytest.fixture
def system() -> Iterator[Any]:
    if os.geteuid() != 0:
        pytest.skip("qemu:///system needs root")
    try:
        with connect(URI) as conn:
            yield conn
    except BulkheadVirtError as exc:
        pytest.skip(f"qemu:///system not reachable: {exc}")


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
