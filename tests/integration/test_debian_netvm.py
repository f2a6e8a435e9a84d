"""A Debian netvm (the example's sys-net and sys-firewall roles in one, on the Debian template):
its boot firewall and the rulesets delivered live by the firewall state (nftables inside Debian),
checked by `bulkhead verify`'s guest network checks, as on the tiny image.

The netvm's uplink is a lab network of its own with a tiny 'outside' serving HTTP on 80 and
8080; two tiny clients: one allowed only outside:80, one allowed everything.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import names
from saltext.bulkhead.verify.runner import run_suite
from saltext.bulkhead.virt import (
    connect,
    domain_present,
    domain_running,
    network_present,
    pool_present,
)
from saltext.bulkhead.virt.firewall import firewalls_applied

from ..guests import SMALL, URI, app, own_host, template, wait_ready
from ..topology import REPO, purge

pytestmark = pytest.mark.integration

DEB, TINY, NET, OUT, C1, C2 = ("bhdnv-deb", "bhdnv-tiny", "bhdnv-net", "bhdnv-out", "bhdnv-c1",
                               "bhdnv-c2")
LAB = "bhdnv-lab"
OUTSIDE = "198.51.100.1"
BOOT_TIMEOUT_S = 300


def pillar_data(debian: Path, tiny: Path, tmp: Path) -> dict:
    memory = {"initial": 512, "max": 512}
    client = {"class": "app", "template": TINY, "netvm": NET, "private_mib": 32, "memory": SMALL}
    domains = {
        DEB: template(debian, root=debian / "root.qcow2", memory=memory),
        TINY: template(tiny),
        OUT: app(TINY, uplink={"network": LAB, "address": f"{OUTSIDE}/24"}),
        NET: {"class": "app", "template": DEB, "provides_network": True, "netvm": "none",
              "private_mib": 64, "memory": memory,
              "uplink": {"network": LAB, "address": "198.51.100.2/24", "gateway": OUTSIDE,
                         "dns": [OUTSIDE]}},
        C1: {**client, "firewall": [
            {"action": "accept", "proto": "tcp", "dsthost": OUTSIDE, "dstports": 80},
            {"action": "accept", "specialtarget": "dns"}, {"action": "drop"}]},
        C2: {**client, "firewall": [{"action": "accept"}]},
    }
    return {"host": own_host("bhdnv"), "domains": domains,
            "formula": {"paths": {"firewall_records": str(tmp / "firewall")}}}


@pytest.fixture
def topology(debian_image, guest_image, tmp_path):
    data = pillar_data(debian_image.directory, guest_image.directory, tmp_path)
    model = load_pillar(data)
    purge(model)
    subprocess.run([REPO / "scripts/lab-network.sh", LAB], check=True, capture_output=True)
    try:
        with connect(URI) as conn:
            assert pool_present(conn, model).result is True
            assert network_present(conn, model, NET).result is True
            for name in (DEB, TINY, NET, OUT, C1, C2):
                out = domain_present(conn, model, name)
                assert out.result is True, out.comment
            out = firewalls_applied(conn, model, test=False)  # into the halted netvm's volume
            assert out.result is True, out.comment
            for name in (OUT, NET, C1, C2):
                Path(names.console_log(name)).unlink(missing_ok=True)
                out = domain_running(conn, model, name)
                assert out.result is True, out.comment
            wait_ready([OUT, NET, C1, C2], BOOT_TIMEOUT_S)
            subprocess.run([REPO / "scripts/lab-outside.sh", OUT], check=True, capture_output=True,
                           timeout=300)
            out = firewalls_applied(conn, model, test=False)  # live, through the agent
            assert out.result is True, out.comment
        yield data
    finally:
        purge(model)


def test_a_debian_netvm_enforces_the_firewall_and_passes_verifys_network_checks(topology):
    inside = AgentClient(names.agent_socket(NET)).run(
        "cat /etc/os-release; nft list table inet bulkhead | grep -c chain", timeout=60)
    assert inside.rc == 0 and b"ID=debian" in inside.stdout, inside
    run = run_suite(
        pillar_data=topology,
        timeout=900,
        extra=(
            "-k",
            "guest_network",
            f"--bulkhead-probe={OUTSIDE}:80",
            f"--bulkhead-probe={OUTSIDE}:8080",
        ),
    )
    outcomes = {r.check.split(" [")[0]: r.outcome for r in run.results}
    assert outcomes and set(outcomes.values()) <= {"passed", "n/a"}, run.output
    for check in (
        "netvms_enforce_their_compiled_ruleset",
        "firewall_allows_exactly_what_the_rules_allow",
        "clients_of_one_netvm_cannot_reach_each_other",
        "spoofed_source_addresses_are_dropped",
    ):
        assert outcomes[f"guest_network: {check}"] == "passed", run.output
