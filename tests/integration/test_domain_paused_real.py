"""A domain a user paused (``virsh suspend``) on the real libvirtd, with one TCG guest.

What tests/functional/test_domain_paused.py shows on test:///default, against qemu:///system:
``running`` resumes the pause (test mode only reports it) and the guest's agent answers again;
``halted`` on a paused guest resumes it to shut it down through its agent instead of waiting
out the shutdown timeout for a guest whose vCPUs are stopped.
"""

from __future__ import annotations

import libvirt
import pytest

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import names
from saltext.bulkhead.virt import connect, domain_halted, domain_running

from ..guests import URI, template_and_app
from ..topology import define_and_start, purge

pytestmark = pytest.mark.integration

TPL, APP = "bhpause-tpl", "bhpause-app"
PAUSED = {"state": {"old": "paused", "new": "running"}}
BOOT_TIMEOUT_S = 180


def pillar():
    return load_pillar(template_and_app("bhpause"))


@pytest.fixture
def conn(prebuilt_image):
    with connect(URI) as raw:
        purge(pillar())
        try:
            yield raw
        finally:
            purge(pillar())


def state_of(conn, name: str) -> int:
    return conn.lookupByName(name).state(0)[0]


def test_paused_guest_is_resumed_by_running_and_halted_without_waiting(conn) -> None:
    p = pillar()
    define_and_start(conn, p, (TPL, APP), APP, BOOT_TIMEOUT_S)
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
