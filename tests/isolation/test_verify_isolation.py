"""`bulkhead verify` against the provisioned example workstation: passes, then catches real breaks.

The breaks are real: an address on a domain-facing bridge (the host becomes reachable from domains),
a foreign domain plugged into a bulkhead network, and a netvm whose firewall was loosened behind
bulkhead's back. Each must fail verify naming its check. A pillar rule change then reaches the
running netvm live: the new port opens without any domain restarting. Finally a netvm restarted
behind Salt's back boots into its last applied rules from its firewall volume, and a disposable
the broker creates on demand gets its template's rules for as long as it lives.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.agent.ready import wait_answering
from saltext.bulkhead.plan import names
from saltext.bulkhead.rpc.dispvm_factory import DispvmFactory
from saltext.bulkhead.virt import connect
from tests.guests import URI, wait_ready
from tests.topology import EXAMPLE_PREFIX, failed_states, salt_apply, start_outside

pytestmark = pytest.mark.isolation
PREFIX = EXAMPLE_PREFIX
INTRUDER = f"{PREFIX}intruder"


@pytest.fixture(scope="module")
def topology(example_workstation):
    """The session's example workstation (the integration tier's test_salt_apply booted it when
    it ran first), applied (a no-op then), every running guest ready, the servers outside up."""
    model = example_workstation["model"]
    try:
        assert failed_states(salt_apply(example_workstation["conf"])) == []
        wait_ready(sorted(n for n, d in model.domains.items() if d.running))
        start_outside(PREFIX)
        yield example_workstation
    finally:
        _undefine_intruder()


OUTSIDE = "198.51.100.1"
PROBES = [f"--probe={OUTSIDE}:{port}" for port in (80, 8080, 53)]
CHECKS = 24  # 14 + host_rpc 2, guest_rpc 2 + ask, host_memory 2, boot rulesets, cpu partitions, tcb


# The checks a break on the host can touch: the host's side (a foreign domain's definition), and
# for a bridge address also the guests' probes of the host's addresses. The guests' other probes,
# most of a full run's time (the passing test makes one), cannot see a change on the host.
HOST_SIDE = "host_"


def verify(pillar: Path, select: str | None = None, *extra: str) -> subprocess.CompletedProcess:
    # Wide output: each finding stays on one line, so the assertions can look for it whole.
    return subprocess.run(
        ["bulkhead", "verify", "--pillar", str(pillar), *PROBES,
         *(("-k", select) if select else ()), *extra],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={**os.environ, "COLUMNS": "250"},
    )


def run_in(domain: str, command: str):
    return AgentClient(names.agent_socket(PREFIX + domain)).run(command, timeout=30)


def failed_checks(out: str) -> list[str]:
    return [
        line.split(None, 1)[1] for line in out.splitlines() if line.startswith(("FAIL", "ERROR"))
    ]


def test_verify_passes_on_the_provisioned_workstation(topology):
    run = verify(topology["pillar"], None, "--durations=12")
    print(run.stdout)  # the slowest checks and their seconds: where a full verify's time goes
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("PASS") == CHECKS and f"all {CHECKS} checks passed" in run.stdout
    # The suite's claims, seen directly: work reaches only outside:80, personal everything.
    assert run_in("work", f"echo | nc -w 3 {OUTSIDE} 80").rc == 0
    assert run_in("work", f"echo | nc -w 3 {OUTSIDE} 8080").rc != 0
    assert run_in("personal", f"echo | nc -w 3 {OUTSIDE} 8080").rc == 0


def test_verify_fails_when_the_host_has_an_address_on_a_bridge(topology):
    bridge = names.bridge_name(PREFIX + "sys-firewall")
    subprocess.run(["ip", "addr", "add", "192.0.2.1/32", "dev", bridge], check=True)
    try:
        run = verify(topology["pillar"], f"{HOST_SIDE} or reach_the_host")
    finally:
        subprocess.run(["ip", "addr", "del", "192.0.2.1/32", "dev", bridge], check=True)
    assert run.returncode == 1
    assert failed_checks(run.stdout) == [
        "host_bridges: no_host_address_on_bulkhead_bridges [local]"
    ]
    assert (
        f"{bridge} (network bulkhead-{PREFIX}sys-firewall) has host address(es) 192.0.2.1/32"
        in run.stdout
    )


def _undefine_intruder() -> None:
    with connect(URI) as conn:
        if INTRUDER in conn.listDefinedDomains():
            conn.lookupByName(INTRUDER).undefine()


def test_verify_fails_when_an_unmanaged_domain_joins_a_bulkhead_network(topology):
    network = names.network_name(PREFIX + "sys-firewall")
    xml = f"""<domain type='qemu'><name>{INTRUDER}</name><memory unit='MiB'>64</memory>
      <os><type>hvm</type></os><devices><interface type='network'><source network='{network}'/>
      </interface></devices></domain>"""
    with connect(URI) as conn:
        conn.defineXML(xml)  # defined, never started: the definition alone is the finding
    try:
        run = verify(topology["pillar"], HOST_SIDE)
    finally:
        _undefine_intruder()
    assert run.returncode == 1
    assert failed_checks(run.stdout) == [
        "host_ports: no_unmanaged_domain_on_bulkhead_networks [local]"
    ]
    assert f"domain {INTRUDER} (no bulkhead metadata) has an interface on {network}" in run.stdout


def test_verify_fails_when_a_netvm_forwards_more_than_the_rules_allow(topology):
    # Someone inside sys-firewall opens it up: a rule accepting everything, first in forward.
    loosen = "nft insert rule inet bulkhead forward accept"
    assert run_in("sys-firewall", loosen).rc == 0
    try:
        run = verify(topology["pillar"], "firewall_allows_exactly_what_the_rules_allow")
    finally:
        assert run_in("sys-firewall", "nft -f /run/bulkhead/agent/firewall.nft").rc == 0
    failed = failed_checks(run.stdout)
    assert run.returncode == 1
    assert "guest_network: firewall_allows_exactly_what_the_rules_allow [local]" in failed
    assert f"work reaches {OUTSIDE}:8080, which its rules do not allow" in run.stdout


def test_a_rule_change_reaches_the_running_netvm_live(topology):
    pillar = topology["pillar"]
    original = pillar.read_text()
    boot_id = run_in("sys-firewall", "cat /proc/sys/kernel/random/boot_id").stdout
    opened = original.replace("          dstports: 80\n", "          dstports: 80-8080\n", 1)
    assert opened != original
    pillar.write_text(opened)
    try:
        preview = firewall_apply(topology["conf"], "test=True")
        assert preview["result"] is None and "+ accept tcp 198.51.100.1:80-8080" in str(
            preview["changes"]
        )
        assert (
            run_in("work", f"echo | nc -w 3 {OUTSIDE} 8080").rc != 0
        )  # test mode delivered nothing
        applied = firewall_apply(topology["conf"])
        assert applied["result"] is True, applied["comment"]
        assert run_in("work", f"echo | nc -w 3 {OUTSIDE} 8080").rc == 0
    finally:
        pillar.write_text(original)
        assert firewall_apply(topology["conf"])["result"] is True
    assert run_in("work", f"echo | nc -w 3 {OUTSIDE} 8080").rc != 0
    assert (
        run_in("sys-firewall", "cat /proc/sys/kernel/random/boot_id").stdout == boot_id
    )  # no restart


def test_a_netvm_restarted_outside_salt_boots_into_its_rules(topology):
    # virsh destroy + start, as after a crash or at host boot with autostart: no Salt run follows.
    netvm = PREFIX + "sys-firewall"
    console = Path(names.console_log(netvm))
    with connect(URI) as conn:
        dom = conn.lookupByName(netvm)
        dom.destroy()
        console.unlink(missing_ok=True)
        dom.create()
    wait_ready([netvm])
    boot = console.read_text(errors="replace")
    assert "bulkhead-guest: boot ruleset " in boot and " loaded" in boot, boot[-1500:]
    # work's rules, from the volume: outside:80 open, outside:8080 closed, through the new boot.
    assert run_in("work", f"echo | nc -w 5 {OUTSIDE} 80").rc == 0
    assert run_in("work", f"echo | nc -w 3 {OUTSIDE} 8080").rc != 0
    # What it loaded is what the host would deliver: the next apply has nothing to do.
    again = firewall_apply(topology["conf"])
    assert again["result"] is True and again["changes"] == {}, again


def test_a_disposable_made_on_demand_gets_its_templates_rules_and_loses_them_after(topology):
    # What the broker does for a @dispvm call with no pillar disposable free
    # (rpc/dispvm_factory.py),
    # registered where the firewall state looks (this pillar's registry), as the formula's broker
    # does.
    model = topology["model"]
    factory = DispvmFactory(URI, lambda: model, Path(model.formula.paths.dispvm_registry))
    name = factory.create(PREFIX + "dvm-template")
    try:
        # Its console log may hold an older dispN's ready line: ask the agent itself.
        agent = wait_answering(names.agent_socket(name), 300)
        # dvm-template's rules, delivered to sys-firewall for the new address: 80 open, 8080 not.
        assert agent.run(f"echo | nc -w 5 {OUTSIDE} 80", timeout=30).rc == 0
        assert agent.run(f"echo | nc -w 3 {OUTSIDE} 8080", timeout=30).rc != 0
        # A Salt run meanwhile keeps its chain: nothing to change, and it still reaches port 80.
        during = firewall_apply(topology["conf"])
        assert during["result"] is True and during["changes"] == {}, during
        assert agent.run(f"echo | nc -w 5 {OUTSIDE} 80", timeout=30).rc == 0
    finally:
        factory.remove(name)
    with connect(URI) as conn:
        assert name not in {d.name() for d in conn.listAllDomains()}
    # Its chain is withdrawn: sys-firewall enforces exactly the pillar's ruleset again.
    again = firewall_apply(topology["conf"])
    assert again["result"] is True and again["changes"] == {}, again


def firewall_apply(conf: Path, *extra: str) -> dict:
    out = subprocess.run(
        [
            "salt-call",
            "--local",
            "-c",
            str(conf),
            "--out=json",
            "state.apply",
            "bulkhead.firewall",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    ret = next(iter(json.loads(out.stdout).values()))
    return next(v for k, v in ret.items() if k.startswith("bulkhead_firewall_|-"))
