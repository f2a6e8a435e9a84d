"""The example workstation's Debian side on a real TCG guest: its Debian template and vault as
pillar/examples/workstation.sls declares them (memory, vCPUs, the default 1 GiB private volume),
booted to agent ready on the test tier's Debian build (the base set: the example's two extra
packages change nothing at boot). The tiers booting the whole example keep the tiny image
(tests/topology.py on_the_tiny_template); this is where its Debian template boots.

The first boot formats the private volume as ext4 with a journal; its boot-to-agent time is
printed (a benchmark figure, BENCHMARKS.md, not asserted)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.model import load_pillar, load_pillar_file
from saltext.bulkhead.plan import names
from saltext.bulkhead.virt import (
    connect,
    domain_halted,
    domain_present,
    domain_running,
    pool_present,
)

from ..guests import URI, console, own_host, template, wait_ready
from ..topology import REPO, purge

pytestmark = pytest.mark.integration

EXAMPLE = REPO / "pillar/examples/workstation.sls"
TEMPLATE, APP = "debian-12", "vault"
PREFIX = "bhex-"
BOOT_TIMEOUT_S = 300


def pillar(image: Path):
    example = load_pillar_file(EXAMPLE)
    tpl, app = example.domains[TEMPLATE], example.domains[APP]
    assert app.template == TEMPLATE and app.netvm is None
    memory = {"initial": app.memory.initial, "max": app.memory.max}
    return load_pillar({"host": own_host("bhex"), "domains": {
        PREFIX + TEMPLATE: template(image, root=image / "root.qcow2", memory={
            "initial": tpl.memory.initial, "max": tpl.memory.max}),
        PREFIX + APP: {"class": "app", "template": PREFIX + TEMPLATE, "netvm": "none",
                       "label": app.label.value, "vcpus": app.vcpus, "memory": memory,
                       "private_mib": app.private_mib}}})


def run(cmd: str) -> str:
    out = AgentClient(names.agent_socket(PREFIX + APP)).run(cmd, timeout=60)
    assert out.rc == 0, (cmd, out.stderr)
    return out.stdout.decode()


@pytest.fixture
def conn(debian_image):
    with connect(URI) as raw:
        purge(pillar(debian_image.directory))
        yield raw
        purge(pillar(debian_image.directory))


def test_the_examples_vault_boots_debian_with_an_ext4_private_volume(conn, debian_image):
    p = pillar(debian_image.directory)
    assert pool_present(conn, p).result is True
    for name in p.domains:
        out = domain_present(conn, p, name)
        assert out.result is True, out.comment
    Path(names.console_log(PREFIX + APP)).unlink(missing_ok=True)
    start = time.monotonic()
    out = domain_running(conn, p, PREFIX + APP)
    assert out.result is True, out.comment
    wait_ready([PREFIX + APP], BOOT_TIMEOUT_S)
    took = time.monotonic() - start
    assert "bulkhead-guest: formatted /rw" in console(PREFIX + APP)
    assert run("hostname").strip() == PREFIX + APP
    assert run("findmnt -n -o SOURCE,FSTYPE /rw").split() == ["/dev/vdb", "ext4"]
    assert "has_journal" in run("dumpe2fs -h /dev/vdb 2>/dev/null | grep -i features")
    assert run("ip -o link show | grep -v ' lo:' | wc -l").strip() == "0"  # netvm: none
    out = domain_halted(conn, p, PREFIX + APP, timeout=90)
    assert out.result is True, out.comment
    print(f"\nthe example's vault on Debian: boot to agent ready {took:.1f}s (first boot, "
          "private volume formatted)")
