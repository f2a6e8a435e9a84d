"""The example workstation through `salt-call --local state.apply bulkhead` on qemu:///system.

Real libvirtd, real TCG guests. The example pillar is used as shipped, with every domain name
prefixed (``it-``) and its own storage pool, so a demo workstation on the same host is left alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path

import libvirt
import pytest
from lxml import etree

from saltext.bulkhead import NAMESPACE
from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.guest.client import REFUSED_RC
from saltext.bulkhead.model import load_pillar_file
from saltext.bulkhead.plan import names
from saltext.bulkhead.verify.runner import run_suite
from saltext.bulkhead.verify.suite.rpc_calls import NO_FILES
from saltext.bulkhead.virt import connect, domain_absent, domain_running
from tests.guests import URI, wait_ready
from tests.topology import failed_states, purge, salt_apply, salt_workspace

pytestmark = pytest.mark.integration
PREFIX = "it-"
STARTING_UP = [libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_STARTING_UP]


@pytest.fixture(scope="module")
def workstation(tmp_path_factory, guest_image, repo_root):
    conf, pillar_file = salt_workspace(tmp_path_factory.mktemp("salt"), repo_root, PREFIX, "bhit")
    model = load_pillar_file(pillar_file)
    example = load_pillar_file(repo_root / "pillar/examples/workstation.sls")
    assert set(model.domains) == {PREFIX + n for n in example.domains}
    yield {"conf": conf, "model": model, "pillar": pillar_file}
    purge(model)


def summary(ret: dict) -> tuple[list[str], list[str]]:
    failed = failed_states(ret)
    changed = [k.split("_|-")[1] for k, v in ret.items() if v["changes"]]
    return failed, changed


def snapshot() -> dict[str, str]:
    """This topology's domain, network, pool and volume XML, as libvirt reports it."""
    with connect(URI) as conn:
        # Only this topology's objects: other workstations on the host may change on their own.
        snap = {f"domain:{d.name()}": d.XMLDesc(0) for d in conn.listAllDomains()
                if d.name().startswith(PREFIX) and NAMESPACE in d.XMLDesc(0)}
        snap |= {f"network:{n.name()}": n.XMLDesc(0) for n in conn.listAllNetworks()
                 if n.name().startswith(f"bulkhead-{PREFIX}")}
        pool = conn.storagePoolLookupByName("bhit")
        snap["pool:bhit"] = pool.XMLDesc(0)
        snap |= {f"volume:{v.name()}": _without_guest_activity(v.XMLDesc(0)) for v in pool.listAllVolumes()}
    return snap


def _without_guest_activity(volume_xml: str) -> str:
    """A volume's XML minus what a running guest changes by writing to its disk (times, sizes)."""
    root = etree.fromstring(volume_xml.encode())
    for volatile in root.xpath("//timestamps | //allocation | //physical"):
        volatile.getparent().remove(volatile)
    return etree.tostring(root).decode()


def private_volumes(model) -> dict[str, tuple[int, str]]:
    """Inode and content hash of each private volume file: data that must never be lost."""
    out = {}
    for name in model.domains:
        path = Path(model.host.pool_path) / f"{name}-private.qcow2"
        if path.exists():
            out[name] = (path.stat().st_ino, hashlib.sha256(path.read_bytes()).hexdigest())
    return out


def running_names(model) -> list[str]:
    return sorted(n for n, d in model.domains.items() if d.running)


def test_apply_boots_the_workstation(workstation):
    failed, changed = summary(salt_apply(workstation["conf"]))
    assert failed == []
    assert changed, "a first apply must create things"
    wait_ready(running_names(workstation["model"]))
    with connect(URI) as conn:
        active = sorted(d.name() for d in conn.listAllDomains() if d.isActive() and d.name().startswith(PREFIX))
    assert active == running_names(workstation["model"])


def test_the_example_policy_serves_what_it_allows_and_refuses_the_rest(workstation):
    """`bulkhead verify`'s RPC checks on the booted example: one call the policy allows is served
    by the real broker and guests (personal hands work an empty file copy), one it denies is
    refused; and vault's file copy to work is refused by the example's deny rule."""
    model = workstation["model"]
    run = run_suite(pillar_file=workstation["pillar"], extra=("-k", "guest_rpc"), timeout=300)
    outcomes = {r.check.split(" [")[0]: r.outcome for r in run.results}
    assert outcomes == {"guest_rpc: a_file_copy_the_policy_allows_is_served": "passed",
                        "guest_rpc: calls_the_policy_denies_are_refused": "passed"}, run.output
    log = Path(model.formula.paths.broker_log)
    assert f"call qubes.Filecopy+ from {PREFIX}personal to {PREFIX}work: allowed" in log.read_text()
    vault = AgentClient(names.agent_socket(PREFIX + "vault"))
    out = vault.run(f"{NO_FILES} | bulkhead-rpc {PREFIX}work qubes.Filecopy+")
    assert out.rc == REFUSED_RC, (out.stdout, out.stderr)
    assert f"* * {PREFIX}vault @anyvm deny" in log.read_text().rsplit(f"from {PREFIX}vault", 1)[1]


def test_second_apply_reports_no_changes(workstation):
    failed, changed = summary(salt_apply(workstation["conf"]))
    assert (failed, changed) == ([], [])


def test_test_mode_leaves_every_xml_byte_identical(workstation):
    before = snapshot()
    ret = salt_apply(workstation["conf"], "test=True")
    assert all(v["result"] is True for v in ret.values()), summary(ret)
    assert snapshot() == before


def _until_starting(name: str, proc: subprocess.Popen) -> None:
    """Return while libvirt holds ``name`` paused "starting up" for ``proc``'s apply."""
    with connect(URI) as conn:
        while proc.poll() is None:
            with contextlib.suppress(libvirt.libvirtError):  # not defined again yet
                if conn.lookupByName(name).state(0) == STARTING_UP:
                    return
            time.sleep(0.01)
    pytest.fail(f"the apply ended before libvirt was seen starting {name}")


@pytest.mark.parametrize("when", ["after 1.5 s", "while libvirt starts a domain"])
def test_sigkill_mid_apply_then_apply_converges_losing_nothing(workstation, when):
    model = workstation["model"]
    # A halted domain nothing else is built on (a disposable's private volume is only replaced
    # when it starts, so a halted one must keep it too).
    halted = [n for n, d in model.domains.items() if not d.running and d.class_.value in ("app", "disposable")
              and not d.template_for_dispvms][0]
    running = running_names(model)[-1]
    with connect(URI) as conn:  # give the next apply real work: two domains to define again
        for name in (halted, running):
            assert domain_absent(conn, model, name).result is True
    data_before = private_volumes(model)
    proc = subprocess.Popen(["salt-call", "--local", "-c", str(workstation["conf"]), "state.apply", "bulkhead"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    if when == "after 1.5 s":
        time.sleep(1.5)
    else:  # libvirtd finishes a start its client no longer waits for: the next apply waits too
        _until_starting(running, proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    if when != "after 1.5 s":  # at once, while libvirtd still starts it for the dead apply
        with connect(URI) as conn:
            outcome = domain_running(conn, model, running)
        assert outcome.result is True, outcome.comment
    failed, _ = summary(salt_apply(workstation["conf"]))
    assert failed == []
    wait_ready([running])
    failed, changed = summary(salt_apply(workstation["conf"]))
    assert (failed, changed) == ([], [])
    data_after = private_volumes(model)
    assert set(data_after) == set(data_before)
    assert data_after[halted] == data_before[halted], "a halted domain's private data changed"
    for name, (inode, _digest) in data_before.items():
        assert data_after[name][0] == inode, f"{name}'s private volume was recreated"
