"""The RPC and memory checks of the shipped suite and the broker's call limit, on two TCG guests.

The services run as the formula runs them (``broker_running`` and ``memd_managed``, with private
pidfiles the suite is pointed at), both guests start through the memory daemon's admission. The
checks must pass; then they must catch real breaks: a second client queued on a channel, another
process on a channel while no broker runs, a daemon running another configuration than the pillar.
Finally a service that never exits, installed in B by hand, is ended at the pillar's call_timeout:
A's call exits 124, B's service and its child are gone, and both domains call again at once.
"""

from __future__ import annotations

import copy
import os
import socket
import time
from pathlib import Path

import pytest

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.memd.service import ServicePaths, memd_managed, running_daemon
from saltext.bulkhead.memd.service import stop as memd_stop
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import names
from saltext.bulkhead.rpc.broker_service import BrokerPaths, broker_running, broker_stopped
from saltext.bulkhead.verify.runner import run_suite
from saltext.bulkhead.virt import connect, domain_present, domain_running, pool_present

from ..guests import URI, app, own_host, template, wait_ready
from ..topology import purge
from .rpc_broker import wait_for

pytestmark = pytest.mark.integration

TPL, A, B = "bhvrm-tpl", "bhvrm-a", "bhvrm-b"
BOOT_TIMEOUT_S = 150
CALL_TIMEOUT_S = 4
CHECKS = ("host_rpc", "guest_rpc", "host_memory")
HANG = "#!/bin/sh\nsleep 4242 &\nsleep 4243\n"  # leaves a child: only killing the group ends it


def pillar_data(image: Path, tmp: Path) -> dict:
    bounds = {"min": 96, "initial": 128, "max": 160}
    return {
        "host": own_host("bhvrm"),
        "domains": {TPL: template(image, memory={"initial": 128}),
                    A: app(TPL, memory=bounds), B: app(TPL, memory=bounds)},
        "memory": {"interval": 1.0, "stats_period": 1, "host_mib": 576, "reserve_mib": 128,
                   "socket": str(tmp / "memd.sock")},
        "policy": {"dir": str(tmp / "policy.d"), "call_timeout": CALL_TIMEOUT_S},
    }


POLICY = f"""\
qubes.Filecopy * {A} {B} allow
test.Hang * {A} {B} allow
"""


class Rig:
    def __init__(self, tmp: Path, data: dict):
        self.tmp = tmp
        self.data = data
        self.model = load_pillar(data)
        self.broker = BrokerPaths(pillar=tmp / "broker-pillar.json", pidfile=tmp / "broker.pid",
                                  log=tmp / "broker.log", dispvm_registry=tmp / "dispvms")
        self.memd = ServicePaths(
            config=tmp / "memd.json", pidfile=tmp / "memd.pid", log=tmp / "memd.log"
        )

    def verify(self, data: dict | None = None):
        extra = (
            "-k",
            # guest_rpc_ask is not applicable here (this broker does not ask the user)
            f"({' or '.join(CHECKS)}) and not guest_rpc_ask",
            "--bulkhead-broker-pidfile",
            str(self.broker.pidfile),
            "--bulkhead-memd-pidfile",
            str(self.memd.pidfile),
            "--bulkhead-memd-config",
            str(self.memd.config),
        )
        run = run_suite(pillar_data=data or self.data, extra=extra, timeout=300)
        return {r.check.split(" [")[0]: r for r in run.results}, run

    def cleanup(self) -> None:
        broker_stopped(self.broker)
        record = running_daemon(self.memd)
        if record is not None:
            memd_stop(record, self.memd)
        purge(self.model)


@pytest.fixture(scope="module")
def rig(guest_image, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("verify-rpc-memory")
    (tmp / "policy.d").mkdir()
    (tmp / "policy.d" / "50-verify.policy").write_text(POLICY)
    rig = Rig(tmp, pillar_data(guest_image.directory, tmp))
    rig.cleanup()
    try:
        assert memd_managed(rig.model, rig.memd).result is True
        assert broker_running(rig.model, rig.broker).result is True
        with connect(URI) as conn:
            assert pool_present(conn, rig.model).result is True
            assert domain_present(conn, rig.model, TPL).result is True
            for name in (A, B):
                Path(names.console_log(name)).unlink(missing_ok=True)
                outcome = domain_running(conn, rig.model, name)  # asks bulkhead-memd first
                assert outcome.result is True, outcome.comment
        wait_ready((A, B), BOOT_TIMEOUT_S)
        for name in (A, B):
            wait_for(rig.broker.log, f"{name}: channel ready", 60)
        yield rig
    finally:
        rig.cleanup()


def outcomes(results: dict) -> dict[str, str]:
    return {check: r.outcome for check, r in results.items()}


def test_the_checks_pass_on_a_healthy_host(rig):
    results, run = rig.verify()
    assert len(results) == 6, run.output
    assert set(outcomes(results).values()) == {"passed"}, run.output
    log = rig.broker.log.read_text()
    # the file copy the policy allows (A to B) was served: an allowed call, not only refusals
    assert f"call qubes.Filecopy+ from {A} to {B}: allowed to {B}" in log
    for source, target in ((A, B), (B, A)):  # each guest made a call the policy denies
        assert f"call bulkhead.VerifyProbe+ from {source} to {target}: denied" in log


def test_a_client_queued_on_a_channel_is_found(rig):
    with socket.socket(socket.AF_UNIX) as intruder:
        intruder.connect(names.rpc_socket(A))  # QEMU serves one client: this one waits
        results, run = rig.verify()
    bad = results["host_rpc: only_the_broker_is_connected_to_the_channels"]
    assert bad.outcome == "failed", run.output
    assert (
        f"{A}: 1 more client(s) connected to {names.rpc_socket(A)}, waiting to be accepted"
        in bad.message
    )
    assert results["host_rpc: running_domains_have_their_rpc_channel"].outcome == "passed"


def test_another_process_on_a_channel_and_a_stale_memd_config_are_found(rig):
    ready_before = {
        name: rig.broker.log.read_text().count(f"{name}: channel ready") for name in (A, B)
    }
    broker_stopped(rig.broker)
    try:
        with socket.socket(socket.AF_UNIX) as impostor:
            impostor.connect(names.rpc_socket(B))  # nobody holds B's channel now: QEMU accepts it
            changed = copy.deepcopy(rig.data)
            changed["memory"]["interval"] = 2.0  # the pillar moved on; the daemon was not restarted
            results, run = rig.verify(changed)
    finally:
        assert broker_running(rig.model, rig.broker).result is True
        for name in (A, B):
            wait_for(rig.broker.log, f"{name}: channel ready", 30, times=ready_before[name] + 1)
    found = outcomes(results)
    assert found["host_rpc: only_the_broker_is_connected_to_the_channels"] == "failed", run.output
    assert found["guest_rpc: calls_the_policy_denies_are_refused"] == "skipped"
    assert found["guest_rpc: a_file_copy_the_policy_allows_is_served"] == "skipped"
    assert found["host_memory: memory_daemon_runs_as_the_pillar_says"] == "failed"
    assert found["host_memory: balloons_lie_within_their_recorded_bounds"] == "passed"
    channel = results["host_rpc: only_the_broker_is_connected_to_the_channels"].message
    assert f"{B}: {names.rpc_socket(B)} is connected to " in channel
    assert f"(pid {os.getpid()}), no broker runs" in channel
    memory = results["host_memory: memory_daemon_runs_as_the_pillar_says"].message
    assert "is not what bulkhead:memory renders to" in memory
    assert "runs another configuration than the pillar's" in memory


def test_a_service_that_never_exits_is_ended_at_the_call_timeout(rig):
    a, b = AgentClient(names.agent_socket(A)), AgentClient(names.agent_socket(B))
    service = "/usr/lib/bulkhead/rpc-services/test.Hang"
    installed = b.run(f"printf '{HANG}' > {service} && chmod 755 {service}", timeout=30)
    assert installed.rc == 0, installed.stderr
    started = time.monotonic()
    hung = a.run(f"bulkhead-rpc {B} test.Hang+ </dev/null", timeout=60)
    took = time.monotonic() - started
    assert hung.rc == 124, (hung.stdout, hung.stderr)
    assert CALL_TIMEOUT_S <= took < CALL_TIMEOUT_S + 20
    wait_for(rig.broker.log, f"call test.Hang+ from {A} to {B}: the cancelled service ended", 20)
    assert (
        f"call test.Hang+ from {A} to {B}: ended by the broker: no exit within {CALL_TIMEOUT_S}s"
        in rig.broker.log.read_text()
    )
    left = b.run("ps | grep 'sleep 424[23]'; true", timeout=30)
    assert left.stdout.strip() == b"", left.stdout
    # Both are free again: an allowed copy goes through, a denied call is refused.
    copied = a.run(f"echo after > /rw/f && bulkhead-copy {B} /rw/f", timeout=60)
    assert copied.rc == 0, (copied.stdout, copied.stderr)
    refused = b.run(f"bulkhead-rpc {A} test.Hang+ </dev/null", timeout=60)
    assert refused.rc == 126
