"""Prune: what this workstation owns and its pillar no longer declares goes, private data stays
unless purged, the other workstation's objects and test mode change nothing."""

from __future__ import annotations

import pytest

from saltext.bulkhead.virt import connect, counting, domain_present, workstation_pruned

from .test_virt_apply import apply_both, assert_settled, snapshot
from .two_workstations import ALICE_DOMAINS, alice, bob
from .virt_fixtures import node_file


@pytest.fixture
def env(tmp_path):
    with connect(node_file(tmp_path)) as raw:
        conn, log = counting(raw)
        pool = str(tmp_path / "pool")
        ws_b, own = bob(pool)
        for name in ALICE_DOMAINS:
            apply_both(domain_present, conn, log, alice(pool), name)
        for name in own.values():
            apply_both(domain_present, conn, log, ws_b, name)
        yield conn, log, pool


BOBS = ("btpl", "bnet", "bwork", "bdvm", "bdisp")


def bobs(conn) -> dict[str, str]:
    """XML and state of every object of bob's: his domains, his network, his volumes."""
    def his(key: str) -> bool:
        kind, name = key.split()
        return (name in BOBS or name == "bulkhead-bnet"
                or kind == "volume" and name.startswith(tuple(f"{b}-" for b in BOBS)))

    return {k: v for k, v in snapshot(conn).items() if his(k)}


def volumes(conn) -> set[str]:
    return set(conn.storagePoolLookupByName("bhpool").listVolumes())


def test_a_removed_domain_is_pruned_and_its_private_volume_kept(env) -> None:
    conn, log, pool = env
    before = bobs(conn)
    out = apply_both(workstation_pruned, conn, log, alice(pool, drop=("work",)))
    assert out.changes == {"domains": {"work": {"old": "shutoff", "new": None}},
                           "volumes": {"work-root.qcow2": "deleted", "work-config.tar": "deleted"}}
    assert "Kept work-private.qcow2" in out.comment
    assert "work" not in conn.listDefinedDomains()
    assert "work-private.qcow2" in volumes(conn)
    assert bobs(conn) == before
    assert_settled(workstation_pruned, conn, log, alice(pool, drop=("work",)))


def test_purge_names_the_private_volumes_that_go(env) -> None:
    conn, log, pool = env
    pillar = alice(pool, drop=("dvm", "disp"), purge=("disp",))
    out = apply_both(workstation_pruned, conn, log, pillar)
    assert list(out.changes["domains"]) == ["disp", "dvm"]  # the disposable before its template
    assert "disp-private.qcow2" in out.changes["volumes"]
    assert "dvm-private.qcow2" not in out.changes["volumes"]
    assert {"disp-private.qcow2", "dvm-root.qcow2"}.isdisjoint(volumes(conn))
    assert "dvm-private.qcow2" in volumes(conn)


def test_a_removed_netvm_goes_with_its_network_after_its_clients(env) -> None:
    conn, log, pool = env
    before = bobs(conn)
    pillar = alice(pool, drop=("net", "work", "dvm", "disp"))
    out = apply_both(workstation_pruned, conn, log, pillar)
    assert set(out.changes["domains"]) == {"net", "work", "dvm", "disp"}
    assert out.changes["networks"] == {"bulkhead-net": {"old": "present", "new": None}}
    assert conn.listAllNetworks(0) and "bulkhead-net" not in [
        n.name() for n in conn.listAllNetworks(0)
    ]
    assert bobs(conn) == before
    assert conn.lookupByName("tpl")


def test_another_workstations_objects_are_never_pruned(env) -> None:
    conn, log, pool = env
    alices = {k: v for k, v in snapshot(conn).items() if k not in bobs(conn) and "pool" not in k}
    ws_b, _ = bob(pool)
    empty_b = ws_b.model_copy(update={"domains": {}})
    out = apply_both(workstation_pruned, conn, log, empty_b)
    assert set(out.changes["domains"]) == set(BOBS)
    assert out.changes["networks"] == {"bulkhead-bnet": {"old": "present", "new": None}}
    assert {k: v for k, v in snapshot(conn).items() if k in alices} == alices
    assert set(conn.listDefinedDomains()) == set(ALICE_DOMAINS)
