"""A file copy into a disposable on real TCG guests: the broker starts the pillar's disposable for
the call, the copy arrives there, and the disposable is shut off once the call ends.

Two guests boot (the caller A, once for the module, then the disposable D started by the broker);
the disposable template DVM is only defined, as its volumes back D's.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path

import pytest

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.plan import names
from saltext.bulkhead.virt import connect

from ..guests import SMALL, URI, app, own_host, template
from .rpc_broker import broker_running, caller_booted, wait_for
from .test_rpc_filecopy import BOOT_TIMEOUT_S

pytestmark = pytest.mark.integration

TPL, DVM, A, D = "bhdvm-tpl", "bhdvm-dvm", "bhdvm-a", "bhdvm-d1"
POLICY = f"qubes.Filecopy * {A} @dispvm:{DVM} allow\n"


def pillar_data(image: Path) -> dict:
    return {
        "host": own_host("bhdvm"),
        "domains": {
            TPL: template(image),
            DVM: app(TPL, template_for_dispvms=True),
            A: app(TPL),
            D: {"class": "disposable", "template": DVM, "netvm": "none", "memory": SMALL},
        },
    }


def active(name: str) -> bool:
    with connect(URI) as conn:
        return bool(conn.lookupByName(name).isActive())


@pytest.fixture(scope="module")
def guests(guest_image):
    """A booted, once for the module's tests (each runs its own broker)."""
    with caller_booted(
        pillar_data(guest_image.directory), (TPL, DVM, D), A, BOOT_TIMEOUT_S
    ) as data:
        yield data


@pytest.fixture
def broker(guests, tmp_path):
    with broker_running(tmp_path, POLICY, guests, A) as log:
        yield log


def test_copy_to_a_disposable_starts_it_and_shuts_it_off_after(broker):
    log = broker
    a = AgentClient(names.agent_socket(A))
    assert a.run("head -c 100000 /dev/urandom > /rw/f", timeout=30).rc == 0
    assert not active(D)
    started = time.monotonic()
    copied = a.run(f"/usr/bin/bulkhead-copy @dispvm:{DVM} /rw/f", timeout=BOOT_TIMEOUT_S)
    took = time.monotonic() - started
    assert copied.rc == 0, (copied.stdout, copied.stderr, log.read_text())
    assert b"received 1 entries, 100000 bytes: f" in copied.stdout  # the receiver in D answered
    wait_for(log, f"disposable {D} shut down: its call ended", 30)
    assert not active(D)
    text = log.read_text()
    assert (
        f"call qubes.Filecopy+ from {A} to @dispvm:{DVM}: starting disposable {D} of {DVM}" in text
    )
    assert f"allowed to {D}" in text

    # The next call gets the same disposable started afresh (only one is in the pillar).
    again = a.run(f"/usr/bin/bulkhead-copy @dispvm:{DVM} /rw/f", timeout=BOOT_TIMEOUT_S)
    assert again.rc == 0, (again.stdout, again.stderr, log.read_text())
    assert b"received 1 entries, 100000 bytes: f" in again.stdout
    assert log.read_text().count(f"starting disposable {D} of {DVM}") == 2
    deadline = time.monotonic() + 30
    while log.read_text().count(f"disposable {D} shut down: its call ended") < 2:
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)
    assert not active(D)
    print(f"copy into a disposable (boot included): {took:.1f} s")


@pytest.fixture
def guests_without_disposables(guests):
    """The module's booted guests, the broker told of a pillar without D (still defined, never
    started): nothing to pick, it must create a disposable."""
    data = copy.deepcopy(guests)
    del data["domains"][D]
    return data


def test_with_no_pillar_disposable_one_is_created_for_the_call_and_deleted(
    guests_without_disposables, tmp_path
):
    with connect(URI) as conn:
        before = {d.name() for d in conn.listAllDomains()}
    with broker_running(tmp_path, POLICY, guests_without_disposables, A) as log:
        a = AgentClient(names.agent_socket(A))
        assert a.run("head -c 100000 /dev/urandom > /rw/f", timeout=30).rc == 0
        copied = a.run(f"/usr/bin/bulkhead-copy @dispvm:{DVM} /rw/f", timeout=BOOT_TIMEOUT_S)
        assert copied.rc == 0, (copied.stdout, copied.stderr, log.read_text())
        assert (
            b"received 1 entries, 100000 bytes: f" in copied.stdout
        )  # the new disposable's receiver
        text = log.read_text()
        created = text.split(f"from {A} to @dispvm:{DVM}: created disposable ", 1)[1].split()[0]
        wait_for(log, f"disposable {created} shut down: its call ended", 60)
    with connect(URI) as conn:
        assert {d.name() for d in conn.listAllDomains()} == before  # defined for the call only
        pool = conn.storagePoolLookupByName(own_host("bhdvm")["pool"])
        pool.refresh(0)
        assert not [v for v in pool.listVolumes() if v.startswith(f"{created}-")]
    assert not list((tmp_path / "dispvms").iterdir())
