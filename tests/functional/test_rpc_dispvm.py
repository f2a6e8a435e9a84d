"""Disposable targets through the real start and stop: the broker's LibvirtHost on libvirt's test
driver (test:///default, shared by every connection of this process, as the broker's per-call
connections need), the lifecycle code starting a pillar disposable with fresh volumes, guest
daemons on socketpairs standing in for each booted domain's channel.

Names carry a per-test suffix: test:///default is one state for the whole test process.
"""

from __future__ import annotations

import io
import threading
import time
import uuid

import pytest

from saltext.bulkhead.guest.client import REFUSED_RC, call
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.rpc.broker_service import facts_file
from saltext.bulkhead.rpc.call_limits import TIMEOUT_RC, CallLimits
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


@pytest.fixture
def env(tmp_path):
    s = uuid.uuid4().hex[:6]
    n = {k: f"{k}-{s}" for k in ("tpl", "dvm", "alpha", "beta", "d1", "d2")}
    data = {
        "host": {
            "uri": URI,
            "workstation": "test-dispvm",
            "pool": f"bhp-{s}",
            "pool_path": str(tmp_path / "pool"),
            "domain_type": "auto",
        },
        "domains": {
            n["tpl"]: {"class": "template", "image": IMAGE, "netvm": "none"},
            n["dvm"]: {
                "class": "app",
                "template": n["tpl"],
                "template_for_dispvms": True,
                "netvm": "none",
            },
            n["alpha"]: {"class": "app", "template": n["tpl"], "netvm": "none"},
            n["beta"]: {"class": "app", "template": n["tpl"], "netvm": "none"},
            n["d1"]: {"class": "disposable", "template": n["dvm"], "netvm": "none"},
            n["d2"]: {"class": "disposable", "template": n["dvm"], "netvm": "none"},
        },
    }
    pillar = load_pillar(data)
    order = ("tpl", "dvm", "alpha", "beta", "d1", "d2")
    # The test driver keeps its state only while some connection is open: this one is.
    with connect(URI) as conn:
        assert pool_present(conn, pillar).result is True
        for key in order:
            out = domain_present(conn, pillar, n[key])
            assert out.result is True, out.comment
        for key in ("alpha", "beta"):
            assert domain_running(conn, pillar, n[key]).result is True
        facts = tmp_path / "broker-pillar.json"
        facts.write_bytes(facts_file(pillar))
        yield n, LibvirtHost(URI, facts, dispvm_registry=tmp_path / "dispvms")
        for key in reversed(order):
            domain_absent(conn, pillar, n[key], purge=True)
        pool = conn.storagePoolLookupByName(f"bhp-{s}")
        pool.destroy()
        pool.undefine()


class Boots:
    """What QEMU and the watcher do together: a domain libvirt runs gets a freshly booted guest
    daemon whose channel the broker attaches (polled like the watcher, from the host's view)."""

    def __init__(self, harness: Harness):
        self.harness = harness
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        broker = self.harness.broker
        while not self._stop.is_set():
            for name in broker.host.running():
                if name not in broker.attached():
                    host_end, _daemon = self.harness.daemon(name)
                    broker.attach(name, host_end)
            self._stop.wait(0.05)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@pytest.fixture
def rig(env, tmp_path):
    n, host = env
    policy = (f"test.Echo * {n['alpha']} @dispvm:{n['dvm']} allow\n"
              f"test.Hang * {n['alpha']} @dispvm:{n['dvm']} allow\n"
              f"test.Echo * {n['beta']} @dispvm:{n['dvm']} allow\n"
              f"test.Echo * {n['beta']} {n['d1']} allow\n")
    (tmp_path / "rig").mkdir()
    harness = Harness(tmp_path / "rig", RefusePrompt(), host=host, policy=policy,
                      limits=CallLimits(timeout_s=3.0, cancel_grace_s=2.0))
    boots = Boots(harness)
    for key in ("alpha", "beta"):
        assert harness.broker.wait_ready(n[key], 5) is not None
    yield n, harness
    boots.stop()
    harness.close()


def active(name: str) -> bool:
    with connect(URI) as conn:
        return bool(conn.lookupByName(name).isActive())


def wait_log(harness, text: str, count: int = 1, timeout: float = 5.0) -> None:
    """The disposal runs in its own thread after the caller has its EXIT."""
    deadline = time.monotonic() + timeout
    while harness.log().count(text) < count:
        assert time.monotonic() < deadline, f"no {text!r} (x{count}) in the log:\n{harness.log()}"
        time.sleep(0.02)


def run(harness, source, target, service_call, data=b"x"):
    out = io.BytesIO()
    rc = call(target, service_call, [data], out, local_socket=harness.socket_of(source))
    return rc, out.getvalue()


def test_a_call_runs_in_a_started_disposable_that_is_destroyed_after(rig):
    n, harness = rig
    d1 = n["d1"]
    assert not active(d1)
    for round_ in (1, 2):  # the second call gets d1 again, started afresh
        rc, out = run(harness, n["alpha"], f"@dispvm:{n['dvm']}", "test.Echo+a", b"payload")
        assert (rc, out) == (0, f"payloadfrom {n['alpha']} +a\n".encode())
        wait_log(harness, f"disposable {d1} shut down: its call ended", round_)
        assert not active(d1)
        log = harness.log()
        assert log.count(f"starting disposable {d1} of {n['dvm']}") == round_
        assert log.count(f"allowed to {d1}") == round_
        assert log.count(f"disposable {d1} shut down: its call ended") == round_
    assert not active(n["d2"])  # the other disposable was never needed


def test_a_running_disposable_is_never_reused_and_a_timeout_destroys_it(rig):
    n, harness = rig
    d1, d2 = n["d1"], n["d2"]
    hang: list[int] = []
    holder = threading.Thread(target=lambda: hang.append(
        run(harness, n["alpha"], f"@dispvm:{n['dvm']}", "test.Hang+")[0]))
    holder.start()
    wait_log(harness, f"allowed to {d1}")
    # d1 is in a call: beta's call gets d2, and naming d1 itself does not get into it either.
    rc, out = run(harness, n["beta"], f"@dispvm:{n['dvm']}", "test.Echo+")
    assert rc == 0 and out.endswith(f"from {n['beta']} +\n".encode())
    assert f"allowed to {d2}" in harness.log()
    wait_log(harness, f"disposable {d2} shut down: its call ended")
    assert not active(d2)
    assert run(harness, n["beta"], d1, "test.Echo+")[0] == REFUSED_RC
    assert f"denied: {d1} is a disposable taken by another call" in harness.log()
    holder.join(10)
    assert hang == [TIMEOUT_RC]
    wait_log(harness, f"disposable {d1} shut down: its call ended")
    assert not active(d1)


def test_stopping_the_broker_destroys_the_disposable_of_a_call_under_way(rig):
    n, harness = rig
    holder = threading.Thread(
        target=run, args=(harness, n["alpha"], f"@dispvm:{n['dvm']}", "test.Hang+")
    )
    holder.start()
    wait_log(harness, f"allowed to {n['d1']}")
    assert active(n["d1"])
    harness.broker.close()
    assert not active(n["d1"])
    assert f"disposable {n['d1']} shut down: the broker stopped" in harness.log()
    holder.join(10)
    assert not holder.is_alive()  # the caller's call ended with its channel
