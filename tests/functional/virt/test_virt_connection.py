"""Connection helper, call counting and domain type resolution on libvirt's test driver."""

from __future__ import annotations

import libvirt
import pytest

from saltext.bulkhead.virt import BulkheadVirtError, connect, counting, kvm_usable, resolve
from saltext.bulkhead.virt.hypervisor import offered_types

from .virt_fixtures import node_file


def test_connect_names_the_uri_on_failure() -> None:
    with pytest.raises(BulkheadVirtError, match="nosuchdriver:///x"), connect("nosuchdriver:///x"):
        pass


def test_connect_closes_and_each_node_file_is_isolated(tmp_path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with connect(node_file(tmp_path / "a")) as first:
        first.networkDefineXML("<network><name>only-in-a</name></network>")
        with connect(node_file(tmp_path / "b")) as second:
            assert second.listNetworks() + second.listDefinedNetworks() == []
    with pytest.raises(libvirt.libvirtError, match='invalid connection'):
        first.isAlive()  # closed by connect()


def test_counting_proxy_separates_reads_from_mutations(tmp_path) -> None:
    with connect(node_file(tmp_path)) as raw:
        conn, log = counting(raw)
        conn.listAllDomains(0)
        net = conn.networkDefineXML("<network><name>n</name></network>")
        net.create()
        net.XMLDesc(0)
        assert log.calls == ["connect.listAllDomains", "connect.networkDefineXML", "network.create",
                             "network.XMLDesc"]
        assert log.mutating == ["connect.networkDefineXML", "network.create"]


def test_resolve_checks_the_connection_offers_the_type(tmp_path) -> None:
    with connect(node_file(tmp_path)) as conn:
        assert offered_types(conn.getCapabilities()) == {"test"}
        assert resolve(conn, "auto", kvm_check=lambda: True) == "test"
        with pytest.raises(
            BulkheadVirtError, match="'kvm' but this libvirt connection offers test"
        ):
            resolve(conn, "kvm")


def test_kvm_probe_fails_closed_on_a_device_that_is_not_kvm() -> None:
    assert kvm_usable("/dev/null") is False
    assert kvm_usable("/nonexistent/kvm") is False

