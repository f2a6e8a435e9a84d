"""A domain a user paused (``virsh suspend``) on the real libvirtd, with one TCG guest.

What tests/functional/test_domain_paused.py shows on test:///default, against qemu:///system:
``running`` resumes the pause (test mode only reports it) and the guest's agent answers again;
``halted`` on a paused guest resumes it to shut it down through its agent instead of waiting
out the shutdown timeout for a guest whose vCPUs are stopped.
"""

from __future__ import annotations

from pathlib import Path

import libvirt
import pytest

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import names
from saltext.bulkhead.virt import (
    connect,
    domain_absent,
    domain_halted,
    domain_present,
    domain_running,
    pool_present,
)

from .pools import remove_pool
from .test_virt_real import IMG, wait_ready

pytestmark = pytest.mark.integration

POOL, POOL_PATH = "bhpause-pool", "/var/lib/bulkhead/bhpause-pool"
TPL, APP = "bhpause-tpl", "bhpause-app"
PAUSED = {"state": {"old": "paused", "new": "running"}}


def pillar():
    image = {"kind": "kernel", "root": str(IMG / "root.img"), "kernel": str(IMG / "vmlinuz"),
             "initrd": str(IMG / "initrd.img")}
    sized = {"memory": {"initial": 112}, "netvm": "none"}
    return load_pillar({
        "host": {"uri": "qemu:///system", "domain_type": "qemu", "pool": POOL, "pool_path": POOL_PATH},
        "domains": {TPL: {"class": "template", "image": image, **sized},
                    APP: {"class": "app", "template": TPL, "private_mib": 32, **sized}},
    })


def cleanup(conn) -> None:
    for name in (APP, TPL):
        domain_absent(conn, pillar(), name, purge=True)
    remove_pool(conn, POOL, POOL_PATH)


@pytest.fixture
def conn():
    if not (IMG / "root.img").exists():
        pytest.skip(f"no guest image at {IMG}: build it with `bulkhead image build`")
    with connect("qemu:///system") as raw:
        cleanup(raw)
        try:
            yield raw
        finally:
            cleanup(raw)


def state_of(conn, name: str) -> int:
    return conn.lookupByName(name).state(0)[0]


def test_paused_guest_is_resumed_by_running_and_halted_without_waiting(conn) -> None:
    p = pillar()
    assert pool_present(conn, p).result is True
    for name in (TPL, APP):
        out = domain_present(conn, p, name)
        assert out.result is True, out.comment
    console = Path(names.console_log(APP))
    console.unlink(missing_ok=True)
    out = domain_running(conn, p, APP)
    assert out.result is True, out.comment
    wait_ready(console, APP)
    agent = AgentClient(names.agent_socket(APP))
    assert agent.request("ping", timeout=20)["name"] == APP

    dom = conn.lookupByName(APP)
    dom.suspend()  # what `virsh suspend` does: reason VIR_DOMAIN_PAUSED_USER
    assert dom.state(0) == [libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_USER]

    # (1) Test mode reports the resume and leaves the guest paused.
    preview = domain_running(conn, p, APP, test=True)
    assert preview.result is None, preview.comment
    assert preview.changes == PAUSED
    assert state_of(conn, APP) == libvirt.VIR_DOMAIN_PAUSED

    # (2) Applied: resumed, and the guest (whose vCPUs were stopped) answers again.
    done = domain_running(conn, p, APP)
    assert done.result is True, done.comment
    assert done.changes == PAUSED
    assert f"resume domain {APP}" in done.comment
    assert state_of(conn, APP) == libvirt.VIR_DOMAIN_RUNNING
    assert agent.request("ping", timeout=20)["name"] == APP

    # (3) Nothing left to do.
    again = domain_running(conn, p, APP)
    assert (again.result, again.changes) == (True, {}), again.comment

    # (4) Paused again: halted resumes it to shut it down through its agent (no timeout waited).
    dom.suspend()
    assert state_of(conn, APP) == libvirt.VIR_DOMAIN_PAUSED
    out = domain_halted(conn, p, APP, timeout=60)
    assert out.result is True, out.comment
    assert out.changes["state"] == {"old": "paused", "new": "shutoff"}
    assert "resumed to shut down" in out.comment, out.comment
    assert "powered off through its agent" in out.comment, out.comment
    assert state_of(conn, APP) == libvirt.VIR_DOMAIN_SHUTOFF
    print(f"\nhalted a paused guest: {out.comment}")
