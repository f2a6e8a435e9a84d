"""Debian domains through the real RPC broker: a file copy between two Debian app domains as the
policy decides, and a Debian disposable that keeps nothing from one start to the next.

One pillar, guests booted once for the module: only A is started by the test; the broker starts B
and the disposable D (of the disposable template DVM) for A's calls. Then D is started again on
its own: the file that arrived in it and its private volume's boot count are gone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import names
from saltext.bulkhead.rpc.broker_service import BrokerPaths, broker_running, broker_stopped
from saltext.bulkhead.verify.runner import run_suite
from saltext.bulkhead.virt import connect, domain_halted, domain_running

from ..guests import URI, app, console, own_host, template, wait_ready
from .rpc_broker import caller_booted, wait_for

pytestmark = pytest.mark.integration

TPL, DVM, A, B, D = "bhdrpc-tpl", "bhdrpc-dvm", "bhdrpc-a", "bhdrpc-b", "bhdrpc-d1"
MEMORY = {"initial": 512, "max": 512}
BOOT_TIMEOUT_S = 300
POLICY = f"""\
# Debian domains: A may copy files to B and into a disposable of DVM; B may not copy to A.
qubes.Filecopy * {A} {B} allow
qubes.Filecopy * {A} @dispvm:{DVM} allow
qubes.Filecopy * {B} {A} deny
"""


def pillar_data(image: Path, tmp: Path) -> dict:
    domains = {
        TPL: template(image, root=image / "root.qcow2", memory=MEMORY),
        DVM: app(TPL, memory=MEMORY, template_for_dispvms=True),
        A: app(TPL, private_mib=64, memory=MEMORY),
        B: app(TPL, private_mib=64, memory=MEMORY),
        D: {"class": "disposable", "template": DVM, "netvm": "none", "memory": MEMORY},
    }
    return {"host": own_host("bhdrpc"), "domains": domains, "policy": {"dir": str(tmp / "policy.d")}}


def active(name: str) -> bool:
    with connect(URI) as conn:
        return bool(conn.lookupByName(name).isActive())


def run(name: str, cmd: str, timeout: float = 30) -> bytes:
    out = AgentClient(names.agent_socket(name)).run(cmd, timeout=timeout)
    assert out.rc == 0, (name, cmd, out.stdout, out.stderr)
    return out.stdout


@pytest.fixture(scope="module")
def broker(debian_image, tmp_path_factory):
    """The broker as the formula runs it (pidfile, facts file), over the booted caller A."""
    tmp = tmp_path_factory.mktemp("debian-rpc")
    (tmp / "policy.d").mkdir()
    (tmp / "policy.d" / "50-test.policy").write_text(POLICY)
    data = pillar_data(debian_image.directory, tmp)
    paths = BrokerPaths(pillar=tmp / "broker-pillar.json", pidfile=tmp / "broker.pid",
                        log=tmp / "broker.log", dispvm_registry=tmp / "dispvms")
    # B and D are only defined: the broker starts them when A's calls to them are allowed.
    with caller_booted(data, (TPL, DVM, B, D), A, BOOT_TIMEOUT_S):
        try:
            assert broker_running(load_pillar(data), paths).result is True
            wait_for(paths.log, f"{A}: channel ready", 60)
            yield data, paths
        finally:
            broker_stopped(paths)


def test_file_copy_between_two_debian_domains_as_the_policy_decides(broker):
    log = broker[1].log
    digest = run(A, "head -c 300000 /dev/urandom > /home/f && sha256sum /home/f").split()[0]
    assert not active(B)
    copied = AgentClient(names.agent_socket(A)).run(f"/usr/bin/bulkhead-copy {B} /home/f",
                                                    timeout=BOOT_TIMEOUT_S)
    assert copied.rc == 0, (copied.stdout, copied.stderr, log.read_text())
    assert f"starting {B}" in log.read_text()
    assert b"received 1 entries, 300000 bytes: f" in copied.stdout
    arrived = run(B, f"sha256sum /rw/incoming/{A}/f && ls -A /rw/incoming/{A}")
    assert arrived.split()[0] == digest
    assert arrived.split()[2:] == [b"f"]  # nothing else, no staging directory left

    refused = AgentClient(names.agent_socket(B)).run(
        f"echo secret > /home/g && /usr/bin/bulkhead-copy {A} /home/g", timeout=60)
    assert refused.rc == 126, (refused.stdout, refused.stderr)
    assert b"request refused" in refused.stderr
    assert run(A, "ls -A /rw/incoming 2>/dev/null; true").strip() == b""
    text = log.read_text()
    assert f"call qubes.Filecopy+ from {A} to {B}: allowed to {B}" in text
    assert f"call qubes.Filecopy+ from {B} to {A}: denied: " in text


def test_a_debian_disposable_keeps_nothing(broker):
    data, log = broker[0], broker[1].log
    run(A, "head -c 100000 /dev/urandom > /home/f")
    assert not active(D)
    copied = AgentClient(names.agent_socket(A)).run(f"/usr/bin/bulkhead-copy @dispvm:{DVM} /home/f",
                                                    timeout=BOOT_TIMEOUT_S)
    assert copied.rc == 0, (copied.stderr, log.read_text()[-3000:], console(D)[-3000:])
    assert b"received 1 entries, 100000 bytes: f" in copied.stdout  # D's receiver answered
    assert f"from {A} to @dispvm:{DVM}: starting disposable {D} of {DVM}" in log.read_text()
    wait_for(log, f"disposable {D} shut down: its call ended", 60)
    assert not active(D)

    # Started again on its own: the file it received and its first boot are forgotten, and what
    # it writes now anywhere (root, /home, /rw) is gone at its next start too.
    model = load_pillar(data)
    with connect(URI) as conn:
        for _ in range(2):
            Path(names.console_log(D)).unlink(missing_ok=True)
            out = domain_running(conn, model, D)
            assert out.result is True, out.comment
            wait_ready([D], BOOT_TIMEOUT_S)
            assert run(D, "hostname").strip() == D.encode()
            assert run(D, "cat /rw/.bulkhead/boot-count").strip() == b"1"
            left = run(D, f"for p in /rw/incoming/{A} /rw/note /home/note /root-note; do "
                          "test -e $p && echo $p; done; true")
            assert left.strip() == b""
            run(D, "for p in /rw/note /home/note /root-note; do echo kept? > $p; done; sync")
            out = domain_halted(conn, model, D, timeout=90)
            assert out.result is True, out.comment


def test_the_guest_checks_of_bulkhead_verify_pass_inside_debian_domains(broker):
    data, paths = broker
    model = load_pillar(data)
    with connect(URI) as conn:  # two running domains: a denied call between them is tried
        if not conn.lookupByName(B).isActive():
            Path(names.console_log(B)).unlink(missing_ok=True)
            assert domain_running(conn, model, B).result is True
            wait_ready([B], BOOT_TIMEOUT_S)
    wait_for(paths.log, f"{B}: channel ready", 60)
    run = run_suite(pillar_data=data, timeout=600, extra=(
        "-k", "guest_", "--bulkhead-broker-pidfile", str(paths.pidfile)))
    outcomes = {r.check.split(" [")[0]: r.outcome for r in run.results}
    assert outcomes and set(outcomes.values()) <= {"passed", "n/a"}, run.output
    assert outcomes["guest_rpc: calls_the_policy_denies_are_refused"] == "passed", run.output
    assert outcomes["guest_network: domains_without_netvm_or_uplink_have_no_interface_inside"] \
        == "passed", run.output
    assert f"call bulkhead.VerifyProbe+ from {A} to {B}: denied" in paths.log.read_text()
