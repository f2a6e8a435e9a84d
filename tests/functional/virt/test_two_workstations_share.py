"""Two workstations sharing one libvirt host, beyond libvirt's objects: each has its own broker
facts, policy and disposables, its RPC calls never reach the other's domains, its firewall
state never feeds the other's netvm, and its verify leaves the other's bridges alone."""

from __future__ import annotations

import json
from contextlib import nullcontext

import pytest

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.rpc.authorize import authorize
from saltext.bulkhead.rpc.broker_service import facts_file
from saltext.bulkhead.rpc.host import LibvirtHost
from saltext.bulkhead.rpc.prompt import prompt_for
from saltext.bulkhead.rpcwire.messages import CallRequest
from saltext.bulkhead.verify.workstations import other_workstations_bridges
from saltext.bulkhead.virt import connect, counting, domain_present, domain_running
from saltext.bulkhead.virt.firewall import firewalls_applied

from .test_virt_apply import snapshot
from .two_workstations import ALICE_DOMAINS, alice, bob
from .virt_fixtures import node_file

ALLOW_ALL = "test.Echo * @anyvm @anyvm allow\n"


@pytest.fixture
def shared(tmp_path):
    uri = node_file(tmp_path)
    with connect(uri) as raw:
        conn, _log = counting(raw)
        pool = str(tmp_path / "pool")
        ws_a, (ws_b, own) = alice(pool), bob(pool)
        for name in ALICE_DOMAINS:
            assert domain_present(conn, ws_a, name).result is True
            assert domain_present(conn, ws_b, own[name]).result is True
        yield uri, conn, ws_a, ws_b, own


def test_each_workstation_has_its_own_broker_policy_and_disposables(shared) -> None:
    _uri, _conn, ws_a, ws_b, _own = shared
    a, b = ws_a.formula.paths, ws_b.formula.paths
    for field in ("broker_pillar", "broker_pidfile", "broker_log", "dispvm_registry",
                  "firewall_records"):
        assert getattr(a, field) != getattr(b, field), field
        assert "/workstations/ws-alice/" in getattr(a, field)
    assert ws_a.policy.dir == "/etc/bulkhead/workstations/ws-alice/policy.d" != ws_b.policy.dir
    # one balancer and one lock per host
    assert (a.memd_config, a.memd_pidfile, a.locks) == (b.memd_config, b.memd_pidfile, b.locks)


def _broker_host(tmp_path, uri, pillar, name, conn, monkeypatch) -> LibvirtHost:
    """The broker's view of the host: a test:/// URI opened again would be an empty node, so
    the broker's connections are this one."""
    monkeypatch.setattr("saltext.bulkhead.rpc.host.connect", lambda _uri: nullcontext(conn))
    facts = tmp_path / f"{name}-facts.json"
    facts.write_bytes(facts_file(pillar))
    return LibvirtHost(uri, facts, tmp_path / f"{name}-dispvms")


def test_a_call_from_alices_domain_never_reaches_bobs(shared, tmp_path, monkeypatch) -> None:
    uri, conn, ws_a, _ws_b, own = shared
    # alice's facts name bob's domain too (a pillar that lists it): it is still not hers
    data = json.loads(facts_file(ws_a))
    data["domains"][own["work"]] = data["domains"]["work"]
    greedy = load_pillar(data)
    assert domain_running(conn, greedy, "work").result is True
    conn.lookupByName(own["work"]).create()
    host = _broker_host(tmp_path, uri, greedy, "alice", conn, monkeypatch)
    assert own["work"] not in host.system().guests
    assert own["work"] not in host.running() and "work" in host.running()
    policy = tmp_path / "policy.d"
    policy.mkdir()
    (policy / "30-test.policy").write_text(ALLOW_ALL)
    prompt = prompt_for("deny")
    ok = authorize("work", CallRequest.from_call("test.Echo", "dvm"), host, policy, prompt)
    assert ok.target == "dvm", ok.why
    for target in (own["work"], own["dvm"]):
        denied = authorize("work", CallRequest.from_call("test.Echo", target), host, policy, prompt)
        assert denied.target is None, denied.why


def test_bobs_firewall_never_feeds_alices_netvm(shared, tmp_path) -> None:
    _uri, conn, _ws_a, _ws_b, own = shared
    greedy, _ = bob(str(tmp_path / "pool"), names={"net": "net"})  # bob's pillar names alice's
    before = snapshot(conn)
    for test in (True, False):
        out = firewalls_applied(conn, greedy, test=test, record_dir=tmp_path / "records",
                                agents=lambda n: pytest.fail(f"asked {n}'s agent"))
        assert out.result is False
        assert "netvm 'net' belongs to workstation 'ws-alice'" in out.comment
        assert "'ws-bob'" in out.comment
    assert snapshot(conn) == before and not (tmp_path / "records").exists()


def test_verify_of_alice_leaves_bobs_bridges_to_bob(shared) -> None:
    _uri, conn, ws_a, ws_b, _own = shared
    bridge = {n.name(): n.bridgeName() for n in conn.listAllNetworks(0)}
    assert other_workstations_bridges(conn, ws_a.workstation) == {bridge["bulkhead-bnet"]}
    assert other_workstations_bridges(conn, ws_b.workstation) == {bridge["bulkhead-net"]}
