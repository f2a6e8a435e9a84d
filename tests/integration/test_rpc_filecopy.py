"""File copy between two real TCG guests through the RPC broker, as the policy decides.

Two app domains on qemu:///system, the broker running as its command runs it (``bulkhead rpc
broker``, libvirt + pillar facts), the copies started inside the guests through the agent's run
op. Only A is booted: A -> B is allowed, so the broker starts B (autostart) and the file arrives
byte for byte under B's /rw/incoming/A/; B -> A is denied, leaves nothing in A, and is logged
with the rule that decided.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.plan import names
from saltext.bulkhead.virt import connect

from ..guests import URI, app, own_host, template
from .rpc_broker import broker_running, caller_booted

pytestmark = pytest.mark.integration

TPL, A, B = "bhrpc-tpl", "bhrpc-a", "bhrpc-b"
BOOT_TIMEOUT_S = 150
POLICY = f"""\
# The integration test's policy: A may copy files to B, B may not copy to A.
qubes.Filecopy * {A} {B} allow
qubes.Filecopy * {B} {A} deny
"""


def pillar_data(image: Path) -> dict:
    return {"host": own_host("bhrpc"), "domains": {TPL: template(image), A: app(TPL), B: app(TPL)}}


@pytest.fixture
def guests(guest_image):
    # B is only defined: the broker starts it when A's call to it is allowed (autostart).
    with caller_booted(pillar_data(guest_image.directory), (TPL, B), A, BOOT_TIMEOUT_S) as data:
        yield data


@pytest.fixture
def broker(guests, tmp_path):
    with broker_running(tmp_path, POLICY, guests, A) as log:
        yield log


def test_file_copy_is_allowed_one_way_and_denied_the_other(broker):
    log = broker
    a, b = AgentClient(names.agent_socket(A)), AgentClient(names.agent_socket(B))
    made = a.run("head -c 300000 /dev/urandom > /rw/f && sha256sum /rw/f", timeout=30)
    assert made.rc == 0, made.stderr
    digest = made.stdout.split()[0]

    with connect(URI) as conn:
        assert not conn.lookupByName(B).isActive()
    copied = a.run(f"/usr/bin/bulkhead-copy {B} /rw/f", timeout=BOOT_TIMEOUT_S)
    assert copied.rc == 0, (copied.stdout, copied.stderr, log.read_text())
    assert f"starting {B}" in log.read_text()
    assert b"received 1 entries, 300000 bytes: f" in copied.stdout
    arrived = b.run(f"sha256sum /rw/incoming/{A}/f && ls -A /rw/incoming/{A}", timeout=30)
    assert arrived.rc == 0, arrived.stderr
    assert arrived.stdout.split()[0] == digest
    assert arrived.stdout.split()[2:] == [b"f"]  # nothing else, no staging directory left

    refused = b.run(f"echo secret > /rw/g && /usr/bin/bulkhead-copy {A} /rw/g", timeout=60)
    assert refused.rc == 126, (refused.stdout, refused.stderr)
    assert b"request refused" in refused.stderr
    left = a.run("ls -A /rw/incoming 2>/dev/null; true", timeout=30)
    assert left.stdout.strip() == b""
    text = log.read_text()
    assert f"call qubes.Filecopy+ from {A} to {B}: allowed to {B}" in text
    assert f"call qubes.Filecopy+ from {B} to {A}: denied: " in text
    assert "50-test.policy:3" in text
