"""`bulkhead verify` against the provisioned example workstation: passes, then catches two breaks.

The breaks are real: an address on a domain-facing bridge (the host becomes reachable from domains)
and a foreign domain plugged into a bulkhead network. Each must fail verify naming its check.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from saltext.bulkhead.model import load_pillar_file
from saltext.bulkhead.plan import names
from saltext.bulkhead.virt import connect
from tests.topology import URI, purge, salt_apply, salt_workspace, wait_ready

pytestmark = pytest.mark.isolation
PREFIX = "iso-"
POOL = "bhiso"
INTRUDER = "iso-intruder"


@pytest.fixture(scope="module")
def topology(tmp_path_factory, guest_image, repo_root):
    conf, pillar_file = salt_workspace(tmp_path_factory.mktemp("iso"), repo_root, PREFIX, POOL)
    model = load_pillar_file(pillar_file)
    try:
        assert salt_apply(conf) == []
        wait_ready(sorted(n for n, d in model.domains.items() if d.running))
        yield {"pillar": pillar_file, "model": model}
    finally:
        _undefine_intruder()
        purge(model)


def verify(pillar: Path) -> subprocess.CompletedProcess:
    # Wide output: each finding stays on one line, so the assertions can look for it whole.
    return subprocess.run(["bulkhead", "verify", "--pillar", str(pillar)], capture_output=True, text=True,
                          timeout=600, check=False, env={**os.environ, "COLUMNS": "250"})


def failed_checks(out: str) -> list[str]:
    return [line.split(None, 1)[1] for line in out.splitlines() if line.startswith(("FAIL", "ERROR"))]


def test_verify_passes_on_the_provisioned_workstation(topology):
    run = verify(topology["pillar"])
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("PASS") == 7 and "all 7 checks passed" in run.stdout


def test_verify_fails_when_the_host_has_an_address_on_a_bridge(topology):
    bridge = names.bridge_name(PREFIX + "sys-firewall")
    subprocess.run(["ip", "addr", "add", "192.0.2.1/32", "dev", bridge], check=True)
    try:
        run = verify(topology["pillar"])
    finally:
        subprocess.run(["ip", "addr", "del", "192.0.2.1/32", "dev", bridge], check=True)
    assert run.returncode == 1
    assert failed_checks(run.stdout) == ["host_bridges: no_host_address_on_bulkhead_bridges [local]"]
    assert f"{bridge} (network bulkhead-{PREFIX}sys-firewall) has host address(es) 192.0.2.1/32" in run.stdout


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
        run = verify(topology["pillar"])
    finally:
        _undefine_intruder()
    assert run.returncode == 1
    assert failed_checks(run.stdout) == ["host_ports: no_unmanaged_domain_on_bulkhead_networks [local]"]
    assert f"domain {INTRUDER} (no bulkhead metadata) has an interface on {network}" in run.stdout
