"""``bulkhead verify`` with a paused domain: one line naming it, no agent asked, checks failed.

The workstation is defined by the reconcile functions on a libvirt test driver, then written out
as a test-driver node file (with each domain's run state) for the suite's own process, which
opens it fresh. Only the paused client is active, so no agent exists to be asked: before the fix
the suite asked it anyway (and on a real host waited out its timeout).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import libvirt
import yaml
from lxml import etree

import saltext.bulkhead
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.virt import connect, domain_present, domain_running
from tests.guests import IMAGE

MODULES = Path(saltext.bulkhead.__file__).resolve().parents[2]  # the code under test, for the CLI

TEST_NS = "http://libvirt.org/schemas/domain/test/1.0"
WORK = "vpzwork"  # no agent socket of this name exists on any host


def pillar_data(pool_path: str) -> dict:
    return {"host": {"workstation": "test-verify-paused", "pool": "vpzpool",
                     "pool_path": pool_path, "domain_type": "auto"},
            "domains": {"vpztpl": {"class": "template", "image": IMAGE, "netvm": "none"},
                        "vpznet": {"class": "app", "template": "vpztpl", "provides_network": True,
                                   "netvm": "none"},
                        WORK: {"class": "app", "template": "vpztpl", "netvm": "vpznet",
                               "running": True,
                               "firewall": [{"action": "accept", "dsthost": "198.51.100.1",
                                             "proto": "tcp", "dstports": 80}]}}}


def node_of(conn) -> str:
    """The connection's domains (with their run state) and networks as a test-driver node."""
    node = etree.Element("node")
    for dom in conn.listAllDomains(0):
        doc = etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode())
        etree.SubElement(doc, f"{{{TEST_NS}}}runstate").text = str(dom.state(0)[0])
        node.append(doc)
    for net in conn.listAllNetworks(0):
        node.append(etree.fromstring(net.XMLDesc(0).encode()))
    return etree.tostring(node, encoding="unicode")


def test_verify_names_a_paused_domain_in_one_line_and_fails_the_checks_needing_it(tmp_path):
    data = pillar_data(str(tmp_path / "pool"))
    empty = tmp_path / "empty.xml"
    empty.write_text("<node/>\n")
    with connect(f"test://{empty}") as conn:
        pillar = load_pillar(data)
        for name in ("vpztpl", "vpznet", WORK):
            assert domain_present(conn, pillar, name).result is True
        assert domain_running(conn, pillar, WORK).result is True
        conn.lookupByName(WORK).suspend()
        node = tmp_path / "node.xml"
        node.write_text(node_of(conn))
    pillar_file = tmp_path / "pillar.sls"
    pillar_file.write_text(yaml.safe_dump({"bulkhead": data}))
    run = subprocess.run(
        [sys.executable, "-c", "from saltext.bulkhead.cli import main; main()", "verify",
         "--pillar", str(pillar_file), "--uri", f"test://{node}"],
        capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "PYTHONPATH": str(MODULES), "COLUMNS": "250"})
    out = run.stdout
    assert run.returncode == 1, out + run.stderr
    line = (f"{WORK}: paused (libvirt does not say why); nothing inside it can be checked "
            "until it runs")
    lines = [text.rstrip() for text in out.splitlines()]
    # a live line per check ("FAIL  name"), then each failed check's finding below its name
    verdicts = {text.split(None, 1)[1]: text.split()[0] for text in lines
                if text.startswith(("PASS", "FAIL", "ERROR", "SKIP", "N/A"))}
    findings = {text.strip()[:-1]: lines[i + 1].strip() for i, text in enumerate(lines[:-1])
                if text.startswith("  ") and text.endswith(":")}
    for check in ("host_domains: running_domains_answer_agent_ping [local]",
                  "guest_network: clients_of_one_netvm_cannot_reach_each_other [local]",
                  "guest_network: domains_cannot_reach_the_host [local]",
                  "guest_network: firewall_allows_exactly_what_the_rules_allow [local]",
                  "guest_network: spoofed_source_addresses_are_dropped [local]"):
        assert (verdicts[check], findings[check]) == ("FAIL", line), out
    # The netvm-only check does not need the paused client; nothing asked its agent.
    assert verdicts["guest_network: netvms_enforce_their_compiled_ruleset [local]"] == "SKIP"
    assert out.count(line) == 5 and "no agent answer" not in out, out
