"""bulkhead-memd balancing two real TCG guests with virtio-balloon on qemu:///system.

The daemon runs as the Salt state runs it (``memd_managed``: config file, detached process) and
each start goes through it (``domain_running`` asks for the initial memory). Its host is capped
(``host_mib``) so that the test is about the same memory pressure on any machine: one guest fills
a tmpfs through the agent's run op and grows; the idle one shrinks towards its preference; every
sample of both balloons stays within their bounds and within the capacity (the host reserve).
"""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.memd.pidfile import is_memd, read_pidfile
from saltext.bulkhead.memd.service import ServicePaths, memd_managed
from saltext.bulkhead.memd_client import ask
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import names
from saltext.bulkhead.virt import connect, domain_present, domain_running, pool_present

from ..guests import URI, app, own_host, template, wait_ready
from ..topology import purge

pytestmark = pytest.mark.integration

TPL, HOG, IDLE = "bhmem-tpl", "bhmem-hog", "bhmem-idle"
MIN_MIB, INITIAL_MIB, MAX_MIB = 96, 128, 384
HOST_MIB, RESERVE_MIB = (
    640,
    128,
)  # capacity 512 MiB for the two guests (each ~53 MiB of it is kernel)
HOG_MIB = 200
GHOST_MIB = 150  # asked for a domain that never starts; its hold expires
BOOT_TIMEOUT_S = 150
FILL_ROOM_MIB = 40  # free memory the hog waits for before each 20 MiB step
FILL_TIMEOUT_S = 300
MiB = 1024


def pillar(image: Path, socket: Path):
    bounds = {"min": MIN_MIB, "initial": INITIAL_MIB, "max": MAX_MIB}
    return load_pillar(
        {
            "host": own_host("bhmem"),
            "domains": {
                TPL: template(image, memory={"initial": 128}),
                HOG: app(TPL, memory=bounds),
                IDLE: app(TPL, memory=bounds),
            },
            "memory": {
                "interval": 1.0,
                "stats_period": 1,
                "host_mib": HOST_MIB,
                "reserve_mib": RESERVE_MIB,
                "threshold_mib": 8,
                "socket": str(socket),
            },
        }
    )


def cleanup(model, paths: ServicePaths) -> None:
    record = read_pidfile(paths.pidfile)
    if record is not None and is_memd(record.pid, paths.config):
        os.kill(record.pid, signal.SIGKILL)  # the daemon this test started
    purge(model)


@pytest.fixture
def setup(guest_image, tmp_path):
    paths = ServicePaths(tmp_path / "memd.json", tmp_path / "memd.pid", tmp_path / "memd.log")
    model = pillar(guest_image.directory, tmp_path / "memd.sock")
    with connect(URI) as conn:
        cleanup(model, paths)
        yield conn, model, paths
        cleanup(model, paths)


def diagnostics(samples: Samples, paths: ServicePaths) -> str:
    """What a failure needs: the balloon history, the daemon's log and the hog's console."""
    memd_log = paths.log.read_text(errors="replace")[-2000:] if paths.log.exists() else "(no log)"
    console = Path(names.console_log(HOG))
    console_tail = console.read_text(errors="replace")[-2000:] if console.exists() else "(no log)"
    return (f"sizes seen (MiB, hog/idle): {samples.history()}\n--- memd log ---\n{memd_log}\n"
            f"--- {HOG} console ---\n{console_tail}")


class Samples:
    """Every balloon size seen, checked against the bounds and the capacity as it is taken."""

    def __init__(self, conn) -> None:
        self.doms = {n: conn.lookupByName(n) for n in (HOG, IDLE)}
        self.seen: list[dict[str, int]] = []

    def take(self) -> dict[str, int]:
        stats = {n: d.memoryStats() for n, d in self.doms.items()}
        sizes = {n: s["actual"] for n, s in stats.items()}
        for name, kib in sizes.items():
            assert MIN_MIB * MiB <= kib <= MAX_MIB * MiB, f"{name} left its bounds: {kib} KiB"
        # Until a guest's balloon driver reports, QEMU counts it at its whole <memory> (pages it
        # has not touched cost the host nothing); both are running their agent before sampling.
        assert all("usable" in s for s in stats.values()), (
            f"a balloon driver is not reporting: {stats}"
        )
        assert sum(sizes.values()) <= (HOST_MIB - RESERVE_MIB) * MiB, f"reserve broken: {sizes}"
        self.seen.append(sizes)
        return sizes

    def until(self, condition, timeout: float, what: str) -> dict[str, int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sizes = self.take()
            if condition(sizes):
                return sizes
            time.sleep(0.5)
        raise AssertionError(f"{what} within {timeout:g}s; sizes seen (MiB): {self.history()}")

    def history(self) -> list[tuple[int, ...]]:
        """Distinct successive (hog, idle) sizes in MiB."""
        steps: list[tuple[int, ...]] = []
        for sizes in self.seen:
            step = tuple(sizes[n] // MiB for n in (HOG, IDLE))
            if not steps or steps[-1] != step:
                steps.append(step)
        return steps


def test_a_busy_guest_grows_an_idle_one_shrinks_and_bounds_and_reserve_hold(setup):
    conn, model, paths = setup
    started = memd_managed(model, paths)
    assert started.result is True, started.comment
    assert pool_present(conn, model).result is True
    assert domain_present(conn, model, TPL).result is True
    for name in (HOG, IDLE):
        Path(names.console_log(name)).unlink(missing_ok=True)
        out = domain_running(conn, model, name)
        assert out.result is True, out.comment
        assert f"ask bulkhead-memd for {INITIAL_MIB} MiB" in out.comment
    wait_ready((HOG, IDLE), BOOT_TIMEOUT_S)

    samples = Samples(conn)
    status = ask(Path(model.memory.socket), {"op": "status"})
    assert status["capacity_kib"] == (HOST_MIB - RESERVE_MIB) * MiB
    # Both idle with memory to spare: the balancer settles them; remember where the idle one sits.
    settled = samples.until(lambda s: len(samples.seen) >= 6, 30, "six samples")
    idle_before = settled[IDLE]

    hog = AgentClient(names.agent_socket(HOG))
    # Fill a tmpfs (its pages are not reclaimable: "used" grows) 20 MiB at a time, each step only
    # once the guest has room for it: a workload faster than the balloon would drive a TCG guest
    # into reclaim thrashing and prove nothing. If the balancer never grows the hog, the loop waits
    # until its limit and the run fails (rc 124) with the balloon history below.
    fill = (f"mkdir -p /hog && mount -t tmpfs -o size={HOG_MIB + 20}m hog /hog && i=0 && "
            f"while [ $i -lt {HOG_MIB // 20} ]; do "
            f"while read key kib unit; do [ $key = MemAvailable: ] && break; done < /proc/meminfo; "
            f"if [ $kib -lt {FILL_ROOM_MIB * MiB} ]; then sleep 1; continue; fi; "
            f"i=$((i + 1)); dd if=/dev/zero of=/hog/$i bs=1M count=20 2>/dev/null || exit 3; done")
    with ThreadPoolExecutor(1) as pool:  # sample (and check) the balloons while the hog fills
        filling = pool.submit(hog.run, fill, timeout=FILL_TIMEOUT_S)
        while not filling.done():
            samples.take()
            time.sleep(0.5)
        try:
            result = filling.result()
        except Exception as error:
            raise AssertionError(f"fill: {error}\n{diagnostics(samples, paths)}") from error
    assert result.rc == 0, (
        f"fill failed (rc {result.rc}): {result.stderr.decode(errors='replace')}\n"
        f"{diagnostics(samples, paths)}"
    )

    grown = samples.until(
        lambda s: s[HOG] >= settled[HOG] + 64 * MiB, 40, f"{HOG} did not grow by 64 MiB"
    )
    squeezed = samples.until(lambda s: s[IDLE] < idle_before, 40, f"{IDLE} did not shrink")
    status = ask(Path(model.memory.socket), {"op": "status"})
    idle_preference = status["preferences_kib"][IDLE]
    assert squeezed[IDLE] >= idle_preference, "the idle guest was pushed below its preference"
    assert grown[HOG] > squeezed[IDLE]

    # The hog frees its memory: it falls back, and nobody left its bounds on the way (checked in
    # take).
    assert hog.run("rm -f /hog/* && umount /hog", timeout=20).rc == 0
    samples.until(lambda s: s[HOG] < grown[HOG] - 32 * MiB, 40, f"{HOG} did not give memory back")

    # A start request answered yes only once the donors' balloons have really shrunk: right after
    # the reply, the two guests and the memory promised fit in the capacity together.
    # First the guests must hold so much that the request cannot be met from free memory alone
    # (they need not fill the capacity: the hysteresis band may leave a guest a little short).
    samples.until(lambda s: sum(s.values()) > (HOST_MIB - RESERVE_MIB - GHOST_MIB + 32) * MiB, 40,
                  "guests holding enough that the request needs donors")
    reply = ask(
        Path(model.memory.socket), {"op": "request", "domain": "bhmem-ghost", "mib": GHOST_MIB}
    )
    assert reply == {"ok": True}, reply
    after = samples.take()
    slack = 2 * MiB  # each donor may stop within 1 MiB of its target
    assert sum(after.values()) + GHOST_MIB * MiB <= (HOST_MIB - RESERVE_MIB) * MiB + slack, (
        samples.history()
    )
