"""A file copy between two real TCG guests cut by the broker's death mid-transfer.

Booted as test_rpc_filecopy boots its pair (only A; the broker starts B), under names of its own
so that the two modules never meet. The broker is SIGKILLed once the copy's first MiB has
arrived in B: the copy tool in A exits 255 with one line (it aborted with 134 when the image had no
libgcc_s), the receiver in B is killed and leaves its staging directory, and the next copy,
through a new broker, removes it.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.plan import names

from ..guests import app, own_host, template
from .rpc_broker import broker_process, caller_booted, wait_for

pytestmark = pytest.mark.integration

TPL, A, B = "bhcut-tpl", "bhcut-a", "bhcut-b"
BOOT_TIMEOUT_S = 150
BIG_BYTES = 50 << 20  # about 4 s of relaying under TCG: the broker dies well before the end
POLICY = f"qubes.Filecopy * {A} {B} allow\n"


def pillar_data(image: Path) -> dict:
    return {"host": own_host("bhcut"),
            "domains": {TPL: template(image), A: app(TPL, private_mib=96),
                        B: app(TPL, private_mib=96)}}


@pytest.fixture
def guests(guest_image):
    with caller_booted(pillar_data(guest_image.directory), (TPL, B), A, BOOT_TIMEOUT_S) as data:
        yield data


def _staged_kib(at_least: int) -> str:
    """A shell loop for B: returns once the big file being received has ``at_least`` KiB staged
    (the broker relays nothing it can be asked about; B sees the bytes arrive)."""
    return (f"until s=$(du -k /rw/incoming/{A}/.incoming-*/big 2>/dev/null | cut -f1); "
            f'[ "${{s:-0}}" -ge {at_least} ]; do usleep 20000; done; echo $s')


def _incoming(agent: AgentClient) -> list[bytes]:
    listed = agent.run(f"ls -A /rw/incoming/{A}", timeout=30)
    assert listed.rc == 0, listed.stderr
    return sorted(listed.stdout.split())


# A daemon thread running Python code at interpreter exit ends by pthread_exit (glibc dlopens
# libgcc_s to unwind it): what the copy tool's feeder thread did when its call was cut.
DAEMON_THREAD_AT_EXIT = ("python3.11 -IS -c \"import threading, time; threading.Thread("
                         "target=lambda: exec('while 1: pass'), daemon=True).start(); "
                         "time.sleep(0.2)\"")


def test_a_copy_cut_by_the_broker_dying_exits_255_and_leaves_no_staging(guests, tmp_path):
    a, b = AgentClient(names.agent_socket(A)), AgentClient(names.agent_socket(B))
    spun = a.run(DAEMON_THREAD_AT_EXIT, timeout=60)
    assert (spun.rc, spun.stderr) == (0, b"")  # 134: libgcc_s.so.1 must be installed for...
    made = a.run(f"head -c {BIG_BYTES} /dev/urandom > /rw/big && echo x > /rw/f && echo y > /rw/g",
                 timeout=120)
    assert made.rc == 0, made.stderr
    for run in ("first", "again"):
        (tmp_path / run).mkdir()
    with broker_process(tmp_path / "first", POLICY, guests, A) as (log, process):
        started = a.run(f"/usr/bin/bulkhead-copy {B} /rw/f", timeout=BOOT_TIMEOUT_S)  # starts B
        assert started.rc == 0, (started.stdout, started.stderr, log.read_text())
        result = {}
        copy = threading.Thread(target=lambda: result.update(
            cut=a.run(f"/usr/bin/bulkhead-copy {B} /rw/big", timeout=120)))
        copy.start()
        try:
            staged = b.run(_staged_kib(1024), timeout=120)  # the first MiB has arrived in B
            os.kill(process.pid, signal.SIGKILL)
        finally:
            copy.join()
    assert staged.rc == 0, (staged.stdout, staged.stderr)
    cut = result["cut"]
    assert cut.rc == 255, (cut.stdout, cut.stderr)
    assert cut.stderr.decode(errors="replace").splitlines() == [
        f"qubes.Filecopy+ to {B}: cut, exit 255 (the broker or the target went away)"]
    assert b"received" not in cut.stdout
    left = _incoming(b)
    assert left[0].startswith(b".incoming-") and left[1:] == [b"f"]  # the killed receiver's

    with broker_process(tmp_path / "again", POLICY, guests, A) as (log, _process):
        wait_for(log, f"{B}: channel ready", 60)
        again = a.run(f"/usr/bin/bulkhead-copy {B} /rw/g", timeout=60)
        assert again.rc == 0, (again.stdout, again.stderr, log.read_text())
    assert _incoming(b) == [b"f", b"g"]  # the cut copy's staging directory is gone
