"""Disposables the broker creates for a call when the pillar has none free, on libvirt's test
driver: created through the same present/running code as any domain, deleted with their volumes
when the call ends, never more than ``policy.dispvm_limit`` at once, and what a crashed broker
left behind deleted by the next one. With a netvm, every ruleset delivered covers the pillar plus
the live disposables (the delivery itself is recorded here; on real guests it is the firewall
state's code, tests/isolation)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from saltext.bulkhead.apply_lock import pillar_lock
from saltext.bulkhead.guest.client import REFUSED_RC
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.reconcile import Outcome
from saltext.bulkhead.rpc.broker_service import facts_file
from saltext.bulkhead.rpc.call_limits import TIMEOUT_RC, CallLimits
from saltext.bulkhead.rpc.dispvm_factory import DispvmError, DispvmFactory
from saltext.bulkhead.rpc.host import LibvirtHost
from saltext.bulkhead.rpc.prompt import RefusePrompt
from saltext.bulkhead.virt import (
    connect,
    domain_absent,
    domain_present,
    domain_running,
    pool_present,
)
from tests.guests import DRIVER_URI as URI
from tests.guests import IMAGE
from tests.unit.rpc.rpc_harness import Harness

from .test_rpc_dispvm import Boots, run, wait_log

RULE = {"action": "accept", "dsthost": "198.51.100.1", "proto": "tcp", "dstports": 80}


class Deliveries:
    """Stands in for the firewall state's delivery: which disposables each ruleset covered."""

    def __init__(self, netvm: str) -> None:
        self.netvm, self.covered = netvm, []
        self.failures = 0  # how many deliveries to come fail, as when the netvm does not answer

    def __call__(self, conn, pillar, netvms) -> Outcome:
        assert netvms == [self.netvm]  # only the disposable's own netvm is asked
        if self.failures:
            self.failures -= 1
            return Outcome(False, {}, f"{self.netvm}'s agent did not answer")
        self.covered.append(sorted(n for n, d in pillar.domains.items() if d.netvm == self.netvm
                                   and n.startswith("disp")))
        return Outcome(True, {}, "delivered")


def domains_named_disp() -> set[str]:
    with connect(URI) as conn:
        return {d.name() for d in conn.listAllDomains() if d.name().startswith("disp")}


@pytest.fixture
def rig(tmp_path):
    s = uuid.uuid4().hex[:6]
    n = {k: f"{k}-{s}" for k in ("tpl", "net", "dvm", "alpha")}
    pool = f"bhq-{s}"
    data = {
        "host": {
            "uri": URI,
            "workstation": "test-dispvm-demand",
            "pool": pool,
            "pool_path": str(tmp_path / "pool"),
            "domain_type": "auto",
        },
        "domains": {
            n["tpl"]: {"class": "template", "image": IMAGE, "netvm": "none"},
            n["net"]: {
                "class": "app",
                "template": n["tpl"],
                "provides_network": True,
                "netvm": "none",
            },
            n["dvm"]: {
                "class": "app",
                "template": n["tpl"],
                "template_for_dispvms": True,
                "netvm": n["net"],
                "label": "orange",
                "firewall": [RULE],
                "tags": ["trusted"],
            },
            n["alpha"]: {"class": "app", "template": n["tpl"], "netvm": "none"},
        },
        "policy": {"dispvm_limit": 1},
    }
    pillar = load_pillar(data)
    policy = (f"test.Echo * {n['alpha']} @dispvm:{n['dvm']} allow\n"
              f"test.Hang * {n['alpha']} @dispvm:{n['dvm']} allow\n")
    with connect(URI) as conn:  # test:///default lives while a connection is open
        before = domains_named_disp()
        assert pool_present(conn, pillar).result is True
        for key in ("tpl", "net", "dvm", "alpha"):
            assert domain_present(conn, pillar, n[key]).result is True
        assert domain_running(conn, pillar, n["alpha"]).result is True
        facts = tmp_path / "broker-pillar.json"
        facts.write_bytes(facts_file(pillar))
        host = LibvirtHost(URI, facts, dispvm_registry=tmp_path / "dispvms")
        deliveries = Deliveries(n["net"])
        host.dispvms = DispvmFactory(URI, host.pillar, tmp_path / "dispvms", firewalls=deliveries)
        (tmp_path / "rig").mkdir()
        harness = Harness(tmp_path / "rig", RefusePrompt(), host=host, policy=policy,
                          limits=CallLimits(timeout_s=3.0, cancel_grace_s=2.0))
        boots = Boots(harness)
        assert harness.broker.wait_ready(n["alpha"], 5) is not None
        yield n, harness, host, deliveries, before, tmp_path / "dispvms"
        boots.stop()
        harness.close()
        for name in domains_named_disp() - before:
            domain_absent(conn, pillar, name, purge=True)
        for key in ("alpha", "dvm", "net", "tpl"):
            domain_absent(conn, pillar, n[key], purge=True)
        net = conn.networkLookupByName(f"bulkhead-{n['net']}")
        if net.isActive():
            net.destroy()
        net.undefine()
        p = conn.storagePoolLookupByName(pool)
        p.destroy()
        p.undefine()


def test_a_call_with_no_pillar_disposable_gets_one_made_for_it_and_deleted_after(rig):
    n, harness, host, deliveries, before, registry = rig
    rc, out = run(harness, n["alpha"], f"@dispvm:{n['dvm']}", "test.Echo+a", b"payload")
    assert rc == 0 and out.endswith(f"from {n['alpha']} +a\n".encode())
    created = [
        line.split("created disposable ")[1].split()[0]
        for line in harness.log().splitlines()
        if "created disposable" in line
    ]
    assert len(created) == 1 and created[0].startswith("disp")
    disp = created[0]
    wait_log(harness, f"disposable {disp} shut down: its call ended")
    assert domains_named_disp() == before  # undefined again
    with connect(URI) as conn:
        pool = conn.storagePoolLookupByName(host.pillar().host.pool)
        assert not [v for v in pool.listVolumes() if v.startswith(f"{disp}-")]  # volumes purged
    assert not list(registry.iterdir())
    # Its netvm got a chain for it while it ran, and lost it after.
    assert deliveries.covered == [[disp], []]


def test_the_disposable_takes_the_templates_firewall_label_and_netvm_but_not_its_tags(rig):
    n, _harness, host, _deliveries, _before, _registry = rig
    from saltext.bulkhead.rpc.dispvm_factory import with_disposables

    extended = with_disposables(host.pillar(), {"disp7": n["dvm"]})
    disp, dvm = extended.domains["disp7"], extended.domains[n["dvm"]]
    assert disp.class_.value == "disposable" and disp.template == n["dvm"]
    assert (disp.netvm, disp.label, disp.firewall, disp.memory) == (
        dvm.netvm,
        dvm.label,
        dvm.firewall,
        dvm.memory,
    )
    assert disp.tags == ()


def test_the_limit_refuses_a_second_one_while_the_first_runs(rig):
    n, harness, _host, _deliveries, _before, _registry = rig
    hang: list[int] = []
    holder = threading.Thread(target=lambda: hang.append(
        run(harness, n["alpha"], f"@dispvm:{n['dvm']}", "test.Hang+")[0]))
    holder.start()
    wait_log(harness, "created disposable")
    # alpha is busy in its call; the limit is what a second caller would meet: ask the host.
    with pytest.raises(Exception, match="dispvm_limit is 1"):
        harness.broker.host.create_disposable(n["dvm"])
    holder.join(15)
    assert hang == [TIMEOUT_RC]
    wait_log(harness, "shut down: its call ended")


def test_a_template_not_made_for_disposables_is_refused(rig):
    n, harness, _host, _deliveries, before, _registry = rig
    with pytest.raises(Exception, match="not a disposable template"):
        harness.broker.host.create_disposable(n["alpha"])
    assert domains_named_disp() == before


def test_what_a_crashed_broker_left_is_deleted_by_the_next(rig):
    n, _harness, host, deliveries, before, registry = rig
    name = host.dispvms.create(n["dvm"])
    assert name in domains_named_disp()
    # A new broker (a new host object) finds the registry entry and deletes the domain.
    successor = LibvirtHost(URI, host._pillar_file, dispvm_registry=registry)
    successor.dispvms = DispvmFactory(URI, successor.pillar, registry, firewalls=deliveries)
    assert successor.remove_leftovers() == [name]
    assert domains_named_disp() == before and not list(registry.iterdir())


def test_a_disposable_whose_deletion_failed_is_deleted_by_the_next_try(rig):
    n, _harness, host, deliveries, before, registry = rig
    name = host.dispvms.create(n["dvm"])
    deliveries.failures = 1  # withdrawing its chain fails: the call's end cannot finish
    with pytest.raises(DispvmError, match="did not answer"):
        host.dispvms.remove(name)
    assert (registry / name).exists()
    (registry / "dispo").write_text(f'{{"template": "{n["dvm"]}"}}\n')  # another process's
    assert host.remove_leftovers(earlier=False) == [name]  # the same broker, while it runs
    assert domains_named_disp() == before and [p.name for p in registry.iterdir()] == ["dispo"]
    assert deliveries.covered[-1] == []  # its chain withdrawn


def test_a_leftover_that_fails_again_does_not_keep_the_others(rig):
    n, _harness, host, deliveries, _before, registry = rig
    registry.mkdir(exist_ok=True)
    for name in ("dispa", "dispb"):
        (registry / name).write_text(f'{{"template": "{n["dvm"]}"}}\n')
    deliveries.failures = 1
    assert host.remove_leftovers() == ["dispb"]  # at the broker's start
    assert sorted(p.name for p in registry.iterdir()) == ["dispa"]
    assert host.remove_leftovers(earlier=False) == ["dispa"]  # its retry
    assert not list(registry.iterdir())
    assert host.remove_leftovers() == []  # nothing left: libvirt not asked


def test_a_retry_does_not_wait_for_a_salt_run_holding_the_apply_lock(rig):
    n, _harness, host, _deliveries, _before, registry = rig
    registry.mkdir(exist_ok=True)
    (registry / "dispc").write_text(f'{{"template": "{n["dvm"]}"}}\n')
    held, release = threading.Event(), threading.Event()

    def salt_run() -> None:
        with pillar_lock(host.pillar()):
            held.set()
            release.wait(30)

    holder = threading.Thread(target=salt_run)
    holder.start()
    try:
        assert held.wait(10)
        start = time.monotonic()
        with pytest.raises(DispvmError, match="held by"):
            host.dispvms.remove_leftovers()
        assert time.monotonic() - start < 5  # not the pillar's lock_timeout
        assert (registry / "dispc").exists()
    finally:
        release.set()
        holder.join()
    assert host.remove_leftovers(earlier=False) == ["dispc"]  # the retry takes what start left


def test_refused_when_the_limit_is_zero(rig, tmp_path):
    n, harness, host, _deliveries, before, _registry = rig
    data = host.pillar().model_dump(mode="json", by_alias=True)
    data["policy"]["dispvm_limit"] = 0
    host._pillar_file.write_bytes(facts_file(load_pillar(data)))
    assert run(harness, n["alpha"], f"@dispvm:{n['dvm']}", "test.Echo+")[0] == REFUSED_RC
    assert "dispvm_limit is 0" in harness.log()
    assert domains_named_disp() == before


def test_a_registered_name_the_pillar_now_declares_is_never_deleted(rig):
    n, _harness, host, _deliveries, _before, registry = rig
    registry.mkdir(exist_ok=True)
    (registry / n["alpha"]).write_text('{"template": "x"}\n')  # not a disp name: ignored
    (registry / "dispzz").write_text('{"template": "x"}\n')
    data = host.pillar().model_dump(mode="json", by_alias=True)
    data["domains"]["dispzz"] = {"class": "app", "template": n["tpl"], "netvm": "none"}
    host._pillar_file.write_bytes(facts_file(load_pillar(data)))
    with connect(URI) as conn:
        assert domain_present(conn, host.pillar(), "dispzz").result is True
        try:
            assert host.remove_leftovers() == []
            assert "dispzz" in domains_named_disp()  # the admin's domain stays
            assert not (registry / "dispzz").exists()
        finally:
            domain_absent(conn, host.pillar(), "dispzz", purge=True)
