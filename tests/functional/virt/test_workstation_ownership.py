"""Two workstations on one libvirt host: each run sees and changes only its own objects; a name
the other owns is an error naming both; objects made before ownership are adopted in place."""

from __future__ import annotations

import libvirt
import pytest

from saltext.bulkhead.virt import (
    connect,
    counting,
    domain_absent,
    domain_halted,
    domain_present,
    domain_running,
    network_absent,
    network_present,
)

from .test_virt_apply import apply_both, assert_settled, snapshot
from .two_workstations import ALICE_DOMAINS, alice, bob, canonical, owner_mark, without_mark
from .virt_fixtures import node_file


@pytest.fixture
def env(tmp_path):
    with connect(node_file(tmp_path)) as raw:
        conn, log = counting(raw)
        yield conn, log, str(tmp_path / "pool")


def present(conn, log, pillar, names) -> None:
    for name in names:
        apply_both(domain_present, conn, log, pillar, name)


def test_each_workstation_changes_only_its_own(env) -> None:
    conn, log, pool = env
    ws_a = alice(pool)
    ws_b, own = bob(pool)
    present(conn, log, ws_a, ALICE_DOMAINS)
    present(conn, log, ws_b, own.values())
    for name in ALICE_DOMAINS:
        assert owner_mark(conn.lookupByName(name).XMLDesc(0)) == "ws-alice"
        assert owner_mark(conn.lookupByName(own[name]).XMLDesc(0)) == "ws-bob"
    assert owner_mark(conn.networkLookupByName("bulkhead-net").XMLDesc(0)) == "ws-alice"
    assert owner_mark(conn.networkLookupByName("bulkhead-bnet").XMLDesc(0)) == "ws-bob"
    alices = {k: v for k, v in snapshot(conn).items() if not k.split()[1].startswith("b")}
    # A change to bob's pillar changes bob's domain, and nothing of alice's.
    changed, _ = bob(pool, memory=320)
    out = apply_both(domain_present, conn, log, changed, "bwork")
    assert "320" in str(out.changes["domain"])
    for name in (*ALICE_DOMAINS, *own.values()):
        assert_settled(domain_present, conn, log, ws_a if name in ALICE_DOMAINS else changed, name)
    after = {k: v for k, v in snapshot(conn).items() if k in alices}
    assert after == alices


@pytest.mark.parametrize(
    "reconcile", [domain_present, domain_running, domain_halted, domain_absent]
)
def test_a_domain_of_another_workstation_is_an_error_naming_both(env, reconcile) -> None:
    conn, log, pool = env
    present(conn, log, alice(pool), ("tpl", "net", "work"))
    claimant, _ = bob(pool, names={"work": "work"})
    present(conn, log, claimant, ("btpl", "bnet"))
    before = snapshot(conn)
    log.clear()
    out = reconcile(conn, claimant, "work")
    assert out.result is False
    assert "domain 'work' belongs to workstation 'ws-alice'" in out.comment
    assert "this run's workstation 'ws-bob'" in out.comment
    assert log.mutating == [] and snapshot(conn) == before


@pytest.mark.parametrize("reconcile", [network_present, network_absent])
def test_a_network_of_another_workstation_is_an_error_naming_both(env, reconcile) -> None:
    conn, log, pool = env
    present(conn, log, alice(pool), ("tpl", "net"))
    claimant, _ = bob(pool, names={"net": "net"})
    before = snapshot(conn)
    log.clear()
    out = reconcile(conn, claimant, "net")
    assert out.result is False
    assert "network 'bulkhead-net' belongs to workstation 'ws-alice'" in out.comment
    assert "'ws-bob'" in out.comment
    assert log.mutating == [] and snapshot(conn) == before


def _strip_marks(conn) -> None:
    """Make every object look as bulkhead left it before ownership existed. (The networks are
    stopped first: the test driver keeps a running network's live definition and has no view of
    its persistent one, which real libvirt has and ``network_owner`` reads.)"""
    for dom in conn.listAllDomains(0):
        conn.defineXML(without_mark(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)))
    for net in conn.listAllNetworks(0):
        net.destroy()
        conn.networkDefineXML(without_mark(net.XMLDesc(0)))


def test_objects_made_before_ownership_are_adopted_with_only_the_mark(env) -> None:
    conn, log, pool = env
    ws_a = alice(pool)
    present(conn, log, ws_a, ALICE_DOMAINS)
    _strip_marks(conn)
    legacy = {name: conn.lookupByName(name).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
              for name in ALICE_DOMAINS}
    volumes = {k: v for k, v in snapshot(conn).items() if k.startswith("volume")}
    out = apply_both(network_present, conn, log, ws_a, "net")
    assert out.changes == {
        "networks": {
            "bulkhead-net": {
                "workstation": {"old": None, "new": "ws-alice"},
                "state": {"old": "inactive", "new": "active"},
            }
        }
    }
    for name in ALICE_DOMAINS:
        out = apply_both(domain_present, conn, log, ws_a, name)
        assert out.changes["domain"] == [
            "workstation: none -> ws-alice (made before ownership: adopted)"]
        assert set(out.changes) == {"domain"}  # no volume, no restart, no property
        now = conn.lookupByName(name).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
        assert owner_mark(now) == "ws-alice"
        assert canonical(without_mark(now)) == canonical(legacy[name])
    assert {k: v for k, v in snapshot(conn).items() if k.startswith("volume")} == volumes
    assert_settled(network_present, conn, log, ws_a, "net")
    for name in ALICE_DOMAINS:
        assert_settled(domain_present, conn, log, ws_a, name)
