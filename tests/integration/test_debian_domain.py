"""A Debian app domain on a real TCG guest: systemd runs the guest agent, the name comes from the
config volume, /home is the private volume and persists across a restart, / does not."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import names
from saltext.bulkhead.virt import (
    connect,
    domain_halted,
    domain_present,
    domain_running,
    pool_present,
)

from ..guests import URI, app, own_host, template, wait_ready
from ..topology import purge

pytestmark = pytest.mark.integration

TPL, APP = "bhdeb-tpl", "bhdeb-app"
MEMORY = {"initial": 512, "max": 512}
BOOT_TIMEOUT_S = 300


def pillar(image: Path):
    tpl = template(image, root=image / "root.qcow2", memory=MEMORY)
    return load_pillar({"host": own_host("bhdeb"),
                        "domains": {TPL: tpl, APP: app(TPL, private_mib=64, memory=MEMORY)}})


def run(cmd: str) -> str:
    out = AgentClient(names.agent_socket(APP)).run(cmd, timeout=30)
    assert out.rc == 0, (cmd, out.stderr)
    return out.stdout.decode()


def boot(conn, p) -> float:
    Path(names.console_log(APP)).unlink(missing_ok=True)
    start = time.monotonic()
    out = domain_running(conn, p, APP)
    assert out.result is True, out.comment
    wait_ready([APP], BOOT_TIMEOUT_S)
    return time.monotonic() - start


@pytest.fixture
def conn(debian_image):
    with connect(URI) as raw:
        purge(pillar(debian_image.directory))
        yield raw
        purge(pillar(debian_image.directory))


def test_debian_app_keeps_home_and_forgets_root(conn, debian_image) -> None:
    p = pillar(debian_image.directory)
    assert pool_present(conn, p).result is True
    for name in (TPL, APP):
        out = domain_present(conn, p, name)
        assert out.result is True, out.comment
    first = boot(conn, p)
    assert run("hostname").strip() == APP
    assert run("systemctl is-active bulkhead-agent.service bulkhead-rpcd.service").split() == [
        "active", "active"]
    assert run("systemctl is-system-running --wait || true").strip() in ("running", "degraded")
    assert run("findmnt -n -o SOURCE /rw").strip() == "/dev/vdb"
    assert run("findmnt -n -o SOURCE /home").strip().endswith("[/home]")
    assert run("test -s /etc/machine-id && cat /proc/sys/kernel/random/boot_id >/dev/null; echo ok"
               ).strip() == "ok"
    run("echo kept > /home/note; echo gone > /root-note; sync")
    overlay = conn.storagePoolLookupByName(p.host.pool).storageVolLookupByName(
        names.root_volume(APP, "qcow2")).info()[2]

    out = domain_halted(conn, p, APP, timeout=90)
    assert out.result is True, out.comment
    second = boot(conn, p)
    assert run("cat /home/note") == "kept\n"
    assert run("test -e /root-note && echo present || echo absent").strip() == "absent"
    print(f"\nDebian app boot to agent ready: first {first:.1f}s, second {second:.1f}s; "
          f"overlay after first boot {overlay / 2**20:.1f} MiB")
