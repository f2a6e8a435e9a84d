"""The example workstation through `salt-call --local state.apply bulkhead` on qemu:///system.

Real libvirtd, real TCG guests. The example pillar is used as shipped, with every domain name
prefixed (``it-``) and its own storage pool, so a demo workstation on the same host is left alone,
and its guests spread over both cores. The isolation tier goes on with this same workstation
(``example_workstation``, one per session): these tests leave it as the pillar says.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import libvirt
import pytest
from lxml import etree
from typer.testing import CliRunner

from saltext.bulkhead import NAMESPACE
from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.cli import app
from saltext.bulkhead.guest.client import REFUSED_RC
from saltext.bulkhead.model import load_pillar_file
from saltext.bulkhead.plan import names
from saltext.bulkhead.verify.suite.rpc_calls import NO_FILES
from saltext.bulkhead.virt import connect, domain_absent, domain_running
from tests.guests import URI, wait_ready
from tests.topology import EXAMPLE_POOL, EXAMPLE_PREFIX, failed_states, salt_apply

pytestmark = pytest.mark.integration
PREFIX = EXAMPLE_PREFIX
ASKED = "guest_rpc_ask: an_asked_file_copy_is_served_when_allowed_and_refused_when_denied"
STARTING_UP = [libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_STARTING_UP]


@pytest.fixture(scope="module")
def workstation(example_workstation, repo_root):
    """The session's example workstation (tests/integration/conftest.py), every domain named."""
    example = load_pillar_file(repo_root / "pillar/examples/workstation.sls")
    assert set(example_workstation["model"].domains) == {PREFIX + n for n in example.domains}
    return example_workstation


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
        pool = conn.storagePoolLookupByName(EXAMPLE_POOL)
        snap[f"pool:{EXAMPLE_POOL}"] = pool.XMLDesc(0)
        snap |= {
            f"volume:{v.name()}": _without_guest_activity(v.XMLDesc(0))
            for v in pool.listAllVolumes()
        }
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
        active = sorted(
            d.name() for d in conn.listAllDomains() if d.isActive() and d.name().startswith(PREFIX)
        )
    assert active == running_names(workstation["model"])


def test_the_example_policy_serves_what_it_allows_and_refuses_the_rest(workstation):
    """`bulkhead verify --json`'s RPC checks on the booted example, as a user runs them: one call
    the policy allows is served by the real broker and guests (personal hands work an empty file
    copy), one it denies is refused, and the asked copy work -> vault is served when the check,
    playing the user, answers the ask allow and refused when it answers deny; vault's file copy
    to work is refused by the example's deny rule."""
    model = workstation["model"]
    _broker_attached(Path(model.formula.paths.broker_log), running_names(model))
    result = CliRunner().invoke(app, ["verify", "--pillar", str(workstation["pillar"]), "--json",
                                      "-k", "guest_rpc"])
    report = json.loads(result.stdout)
    outcomes = {c["name"].split(" [")[0]: c["outcome"] for c in report["checks"]}
    assert outcomes == {"guest_rpc: a_file_copy_the_policy_allows_is_served": "passed",
                        "guest_rpc: calls_the_policy_denies_are_refused": "passed",
                        ASKED: "passed"}, report
    assert (result.exit_code, report["result"], report["exit_code"]) == (0, True, 0)
    assert report["summary"] == "3 passed" and all(c["result"] for c in report["checks"])
    log = Path(model.formula.paths.broker_log).read_text()
    assert f"call qubes.Filecopy+ from {PREFIX}personal to {PREFIX}work: allowed" in log
    asked = log.split(f"{PREFIX}work calls qubes.Filecopy+: waiting 60 s for the user", 1)[1]
    assert f"ask: chose {PREFIX}vault" in asked and ": the user refused" in asked
    vault = AgentClient(names.agent_socket(PREFIX + "vault"))
    out = vault.run(f"{NO_FILES} | bulkhead-rpc {PREFIX}work qubes.Filecopy+")
    assert out.rc == REFUSED_RC, (out.stdout, out.stderr)
    log = Path(model.formula.paths.broker_log).read_text()
    assert f"* * {PREFIX}vault @anyvm deny" in log.rsplit(f"from {PREFIX}vault", 1)[1]


def _broker_attached(log: Path, domains: list[str], timeout: float = 300) -> None:
    """Until the broker has each booted domain's channel ready: a call made before that is refused
    inside the guest and never reaches the broker (TCG guests under load answer late)."""
    deadline = time.monotonic() + timeout
    while (missing := [n for n in domains if f"{n}: channel ready" not in log.read_text()]):
        assert time.monotonic() < deadline, f"the broker never attached {missing}"
        time.sleep(1)


def test_firewall_shows_work_s_rules_enforced_by_its_netvm(workstation):
    """`bulkhead firewall DOMAIN` against the real netvm: work's rules in the pillar's order, and
    sys-firewall's agent reporting exactly the ruleset the pillar compiles to (exit 0)."""
    pillar, work = str(workstation["pillar"]), PREFIX + "work"
    shown = CliRunner().invoke(app, ["firewall", work, "--pillar", pillar])
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0].startswith(f"{work} (10.137.") and lines[0].endswith(
        f"through {PREFIX}sys-firewall:"
    )
    assert "198.51.100.1" in lines[1] and lines[4] == "  4. drop (everything else)", lines
    assert lines[-1].startswith(f"{PREFIX}sys-firewall enforces exactly these rules (ruleset ")
    view = json.loads(
        CliRunner().invoke(app, ["firewall", work, "--pillar", pillar, "--json"]).stdout
    )
    assert view["enforced"] is True and view["netvm"] == PREFIX + "sys-firewall"
    assert view["enforced_sha256"] == view["compiled_sha256"] and len(view["rules"]) == 3


def test_firewall_says_when_the_netvm_does_not_enforce_the_pillar_s_rules(workstation, tmp_path):
    """A rule changed in the pillar but not applied: the netvm still enforces the old ruleset, and
    `bulkhead firewall` says so in words with exit 1 (nothing is changed by asking)."""
    changed = tmp_path / "workstation.sls"
    text = workstation["pillar"].read_text()
    changed.write_text(text.replace("          dstports: 80\n", "          dstports: 80-8080\n", 1))
    assert changed.read_text() != text
    shown = CliRunner().invoke(app, ["firewall", PREFIX + "work", "--pillar", str(changed)])
    assert shown.exit_code == 1, shown.output
    assert f"{PREFIX}sys-firewall enforces " in shown.stdout
    assert "the pillar compiles to " in shown.stdout and "(apply bulkhead.firewall)" in shown.stdout
    again = CliRunner().invoke(
        app, ["firewall", PREFIX + "work", "--pillar", str(workstation["pillar"])]
    )
    assert again.exit_code == 0, again.output


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
    halted = [
        n
        for n, d in model.domains.items()
        if not d.running and d.class_.value in ("app", "disposable") and not d.template_for_dispvms
    ][0]
    running = running_names(model)[-1]
    with connect(URI) as conn:  # give the next apply real work: two domains to define again
        for name in (halted, running):
            assert domain_absent(conn, model, name).result is True
    data_before = private_volumes(model)
    proc = subprocess.Popen(
        ["salt-call", "--local", "-c", str(workstation["conf"]), "state.apply", "bulkhead"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
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
