"""Reconcile functions against libvirt's test driver: test mode, real mode, idempotence, ownership."""

from __future__ import annotations

import json

import pytest

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.virt import (
    connect,
    counting,
    domain_absent,
    domain_halted,
    domain_present,
    domain_running,
    network_absent,
    network_present,
    pool_present,
)

from .virt_fixtures import node_file, pillar_data


@pytest.fixture
def env(tmp_path):
    with connect(node_file(tmp_path)) as raw:
        conn, log = counting(raw)
        yield conn, log, load_pillar(pillar_data(str(tmp_path / "pool")))


def snapshot(conn) -> dict[str, str]:
    """Every object's XML and state: what must not change in test mode."""
    state = {f"domain {d.name()}": d.XMLDesc(0) + str(d.state(0)) for d in conn.listAllDomains(0)}
    state.update({f"network {n.name()}": n.XMLDesc(0) + str(n.isActive()) for n in conn.listAllNetworks(0)})
    for pool in conn.listAllStoragePools(0):
        state[f"pool {pool.name()}"] = pool.XMLDesc(0) + str(pool.isActive())
        if pool.isActive():
            state.update({f"volume {v.name()}": v.XMLDesc(0) for v in pool.listAllVolumes(0)})
    return state


def apply_both(fn, conn, log, *args, **kwargs):
    """Run ``fn`` in test mode (no mutation, same changes) and then for real."""
    before = snapshot(conn)
    log.clear()
    dry = fn(conn, *args, test=True, **kwargs)
    assert log.mutating == [], "test mode made a mutating libvirt call"
    assert snapshot(conn) == before
    real = fn(conn, *args, test=False, **kwargs)
    assert real.result is True, real.comment
    assert dry.changes == real.changes
    assert (dry.result is None) == bool(real.changes)
    return real


def assert_settled(fn, conn, log, *args, **kwargs) -> None:
    log.clear()
    again = fn(conn, *args, **kwargs)
    assert (again.result, again.changes) == (True, {}), again.comment
    assert log.mutating == []


def test_pool_present(env) -> None:
    conn, log, pillar = env
    out = apply_both(pool_present, conn, log, pillar)
    assert set(out.changes["pool"]) == {"bhpool"}
    pool = conn.storagePoolLookupByName("bhpool")
    assert pool.isActive() and pool.autostart()
    assert_settled(pool_present, conn, log, pillar)


def test_foreign_pool_of_that_name_is_not_taken_over(env, tmp_path) -> None:
    conn, log, pillar = env
    conn.storagePoolDefineXML(f"<pool type='dir'><name>bhpool</name><target><path>{tmp_path}/other</path></target></pool>", 0)
    out = pool_present(conn, pillar)
    assert out.result is False and "not bulkhead's" in out.comment


def test_network_present_and_absent(env) -> None:
    conn, log, pillar = env
    out = apply_both(network_present, conn, log, pillar, "net")
    assert out.changes["networks"]["bulkhead-net"]["new"].startswith("isolated bridge bh-")
    net = conn.networkLookupByName("bulkhead-net")
    assert net.isActive() and net.autostart() and "<ip" not in net.XMLDesc(0)
    assert_settled(network_present, conn, log, pillar, "net")
    apply_both(network_absent, conn, log, pillar, "net")
    assert "bulkhead-net" not in [n.name() for n in conn.listAllNetworks(0)]
    assert_settled(network_absent, conn, log, pillar, "net")


def test_foreign_network_with_clashing_name_is_an_error(env) -> None:
    conn, log, pillar = env
    conn.networkDefineXML("<network><name>bulkhead-net</name><bridge name='foreign0'/></network>")
    for fn in (network_present, network_absent):
        log.clear()
        out = fn(conn, pillar, "net")
        assert out.result is False and "not managed by bulkhead" in out.comment
        assert log.mutating == []
    assert conn.networkLookupByName("bulkhead-net").XMLDesc(0).count("foreign0") == 1


def present_all(conn, log, pillar) -> None:
    for name in ("tpl", "net", "work", "dvm", "disp"):
        out = apply_both(domain_present, conn, log, pillar, name)
        assert out.changes["domain"] == {"old": None, "new": "defined"}
        assert "xml" not in out.changes  # the full XML on request only


def test_domain_present_defines_volumes_networks_and_converges(env) -> None:
    conn, log, pillar = env
    present_all(conn, log, pillar)
    for name in ("tpl", "net", "work", "dvm", "disp"):
        assert_settled(domain_present, conn, log, pillar, name)
    vols = {v.name() for v in conn.storagePoolLookupByName("bhpool").listAllVolumes(0)}
    assert {"tpl-root.raw", "work-root.qcow2", "work-private.qcow2", "work-config.tar",
            "disp-private.qcow2"} <= vols
    work_xml = conn.lookupByName("work").XMLDesc(0)
    assert "bulkhead-net" in work_xml and "isolated='yes'" in work_xml and "clean-traffic" in work_xml


def test_changed_pillar_converges_with_old_and_new_values(env, tmp_path) -> None:
    conn, log, pillar = env
    present_all(conn, log, pillar)
    data = pillar_data(str(tmp_path / "pool"))
    data["domains"]["work"]["memory"] = {"initial": 200, "max": 400}
    data["domains"]["work"]["vcpus"] = 2
    changed = load_pillar(data)
    out = apply_both(domain_present, conn, log, changed, "work")
    assert out.changes["domain"] == ["max memory: 256 -> 400 MiB", "memory: 256 -> 200 MiB",
                                     "vcpus: 1 -> 2"]
    assert "xml" not in out.changes
    assert_settled(domain_present, conn, log, changed, "work")


def _six_changes(tmp_path, xml_diff: bool):
    data = pillar_data(str(tmp_path / "pool"))
    data["domains"]["work"].update(label="red", vcpus=2, memory={"initial": 200, "max": 400},
                                   netvm="none")
    data["formula"] = {"xml_diff": xml_diff}
    return load_pillar(data)


def test_six_changes_are_six_lines_the_xml_diff_only_on_request(env, tmp_path) -> None:
    conn, log, pillar = env
    present_all(conn, log, pillar)
    dry = domain_present(conn, _six_changes(tmp_path, xml_diff=True), "work", test=True)
    assert dry.changes["xml"].startswith("--- work (libvirt)") and "+  <vcpu" in dry.changes["xml"]
    with_xml = len(json.dumps(dry.changes))
    out = apply_both(domain_present, conn, log, _six_changes(tmp_path, xml_diff=False), "work")
    assert out.changes["domain"] == [
        "max memory: 256 -> 400 MiB", "memory: 256 -> 200 MiB", "vcpus: 1 -> 2",
        "interfaces: bulkhead-net 52:54:00:82:42:82 isolated clean-traffic(IP=10.137.0.5) -> none",
        "netvm: net -> none", "label: blue -> red"]
    assert "xml" not in out.changes
    # the test driver's XML is short (no controllers, no default devices): qemu's is 25 kB
    assert len(json.dumps(out.changes)) * 8 < with_xml, (len(json.dumps(out.changes)), with_xml)


def test_drift_made_outside_bulkhead_is_reverted(env) -> None:
    conn, log, pillar = env
    present_all(conn, log, pillar)
    xml = conn.lookupByName("work").XMLDesc(0).replace("isolated='yes'", "isolated='no'")
    conn.defineXML(xml)
    out = apply_both(domain_present, conn, log, pillar, "work")
    [line] = out.changes["domain"]
    assert line.startswith("interfaces: bulkhead-net ") and " shared " in line.split(" -> ")[0]
    assert " isolated " in line.split(" -> ")[1]
    assert_settled(domain_present, conn, log, pillar, "work")


def test_running_halted_and_restart_required(env, tmp_path) -> None:
    conn, log, pillar = env
    present_all(conn, log, pillar)
    out = apply_both(domain_running, conn, log, pillar, "work")
    assert out.changes["state"] == {"old": "shutoff", "new": "running"}
    assert out.changes["volumes"] == {"work-root.qcow2": "recreated over tpl-root.raw"}
    assert conn.lookupByName("work").isActive()
    assert_settled(domain_running, conn, log, pillar, "work")
    data = pillar_data(str(tmp_path / "pool"))
    data["domains"]["work"]["label"] = "green"
    out = domain_present(conn, load_pillar(data), "work")
    assert out.changes["restart_required"] is True
    assert out.changes["domain"] == ["label: blue -> green", RESTART]
    out = apply_both(domain_halted, conn, log, pillar, "work", timeout=2)
    assert out.changes["state"]["new"] == "shutoff" and not conn.lookupByName("work").isActive()
    assert_settled(domain_halted, conn, log, pillar, "work")


RESTART = ("restart needed: work is running and keeps its old configuration until it restarts "
           "(bulkhead does not restart it)")


def test_dry_run_of_label_vcpus_and_memory_on_a_running_domain_reads_as_those_lines(
        env, tmp_path) -> None:
    """Issue 15: one line per changed property and the restart, none of libvirt's defaults
    (PCI addresses, emulator, PS/2 input, KiB), no hashes, no XML unless xml_diff."""
    conn, log, pillar = env
    present_all(conn, log, pillar)
    apply_both(domain_running, conn, log, pillar, "work")
    data = pillar_data(str(tmp_path / "pool"))
    data["domains"]["work"].update(label="green", vcpus=2, memory={"initial": 384, "max": 512})
    out = domain_present(conn, load_pillar(data), "work", test=True)
    assert out.result is None, out.comment
    # the label travels in the config volume, which is rewritten: a real change, said as such
    assert out.changes["volumes"] == {"work-config.tar": "rewritten"}
    assert set(out.changes) == {"domain", "restart_required", "volumes"}, out.changes
    assert out.changes["domain"] == [
        "max memory: 256 -> 512 MiB", "memory: 256 -> 384 MiB", "vcpus: 1 -> 2",
        "label: blue -> green", RESTART]


def test_disposable_gets_fresh_root_and_private_at_each_start(env) -> None:
    conn, log, pillar = env
    present_all(conn, log, pillar)
    out = apply_both(domain_running, conn, log, pillar, "disp")
    assert set(out.changes["volumes"]) == {"disp-root.qcow2", "disp-private.qcow2"}


def test_absent_keeps_private_unless_purge(env) -> None:
    conn, log, pillar = env
    present_all(conn, log, pillar)
    apply_both(domain_running, conn, log, pillar, "work")
    out = apply_both(domain_absent, conn, log, pillar, "work")
    assert out.changes["domain"] == {"old": "running", "new": None}
    assert set(out.changes["volumes"]) == {"work-root.qcow2", "work-config.tar"}
    assert "Kept work-private.qcow2" in out.comment
    pool = conn.storagePoolLookupByName("bhpool")
    assert "work-private.qcow2" in pool.listVolumes()
    # Coming back re-attaches the kept private volume; purging then deletes it.
    apply_both(domain_present, conn, log, pillar, "work")
    out = apply_both(domain_absent, conn, log, pillar, "work", purge=True)
    assert "work-private.qcow2" in out.changes["volumes"]
    assert "work-private.qcow2" not in pool.listVolumes()
    assert_settled(domain_absent, conn, log, pillar, "work", purge=True)


def test_template_in_use_cannot_be_removed(env) -> None:
    conn, log, pillar = env
    present_all(conn, log, pillar)
    out = domain_absent(conn, pillar, "tpl")
    assert out.result is False and "work" in out.comment and conn.lookupByName("tpl")


def test_app_needs_its_template_present_first(env) -> None:
    conn, log, pillar = env
    out = domain_present(conn, pillar, "work")
    assert out.result is False and "make tpl present first" in out.comment


def test_foreign_domain_with_clashing_name_is_an_error(env) -> None:
    conn, log, pillar = env
    present_all(conn, log, pillar)
    conn.lookupByName("work").undefine()
    conn.defineXML("<domain type='test'><name>work</name><memory>65536</memory><os><type>hvm</type></os></domain>")
    for fn in (domain_present, domain_running, domain_halted, domain_absent):
        log.clear()
        out = fn(conn, pillar, "work")
        assert out.result is False and "not managed by bulkhead" in out.comment, fn.__name__
        assert log.mutating == []


def test_changing_a_domains_netvm_converges_on_the_next_apply(env, tmp_path) -> None:
    conn, log, pillar = env
    present_all(conn, log, pillar)
    data = pillar_data(str(tmp_path / "pool"))
    data["domains"]["net2"] = {"class": "app", "template": "tpl", "provides_network": True, "netvm": "none"}
    data["domains"]["work"]["netvm"] = "net2"
    moved = load_pillar(data)
    apply_both(domain_present, conn, log, moved, "net2")
    out = apply_both(domain_present, conn, log, moved, "work")
    assert out.changes["domain"][1] == "netvm: net -> net2"
    assert out.changes["domain"][0].startswith("interfaces: bulkhead-net ")
    assert " -> bulkhead-net2 " in out.changes["domain"][0]
    xml = conn.lookupByName("work").XMLDesc(0)
    assert "bulkhead-net2" in xml and "'bulkhead-net'" not in xml and "isolated='yes'" in xml
    assert_settled(domain_present, conn, log, moved, "work")
    data["domains"]["work"]["netvm"] = "none"
    unplugged = load_pillar(data)
    apply_both(domain_present, conn, log, unplugged, "work")
    assert "<interface" not in conn.lookupByName("work").XMLDesc(0)
    assert_settled(domain_present, conn, log, unplugged, "work")
