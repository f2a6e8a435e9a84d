"""What one round of each path measured, and the settings both share."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

from saltext.bulkhead.agent import AgentClient

from . import guest_cpu


@dataclass(frozen=True)
class Settings:
    warmup_s: float = 2.0  # after the first frame, before frames are counted
    window_s: float = 10.0  # frames counted over this long, the loop printing
    settle_s: float = 3.0  # after the loop stops, before the first key (the screen idle)
    keys: int = 8
    key_gap_s: float = 1.0  # between keys: each key's frame arrives before the next key


@dataclass(frozen=True)
class Round:
    first_window_s: float  # run started -> window in sway's tree / viewer connect -> 1st update
    first_frame_s: float  # run started -> the app's first frame / first update after the run
    fps: float  # frames (bulkhead) / display updates (SPICE) per second, the loop printing
    latencies_s: list  # key -> next frame / update, one per key (None: none before the next)
    note: str = ""  # what else was seen (run --gui's return, the screen's size)
    guest_cpu: tuple = ()  # the busiest guest commands while frames were counted (share of 1 CPU)
    host_cpu: tuple = ()  # the path's host processes in the same window (share of one core)


def _host_ticks(pids: dict[str, int]) -> dict[int, tuple[str, int]]:
    text = ""
    for pid in pids.values():
        with contextlib.suppress(OSError):
            text += Path(f"/proc/{pid}/stat").read_text()
    names = {pid: name for name, pid in pids.items()}
    return {pid: (names[pid], ticks) for pid, (_, ticks) in guest_cpu.parse_stat(text).items()}


def counted_window(agent: AgentClient, settings: Settings,
                   host_pids: dict[str, int]) -> tuple[tuple, tuple]:
    """Sleep through the warm-up and the counted window; the guest's busiest commands in it and
    the CPU of the path's host processes (``host_pids``: name -> pid, all threads counted)."""
    time.sleep(settings.warmup_s)
    before = agent.run(guest_cpu.READ_ALL).stdout.decode()
    host_before, started = _host_ticks(host_pids), time.monotonic()
    time.sleep(settings.window_s)
    host_after, seconds = _host_ticks(host_pids), time.monotonic() - started
    after = agent.run(guest_cpu.READ_ALL).stdout.decode()
    # the guest's share over the guest's own clock between its two readings
    guest = guest_cpu.busiest(guest_cpu.parse_stat(before), guest_cpu.parse_stat(after),
                              guest_cpu.uptime(after) - guest_cpu.uptime(before))
    return (tuple(guest),
            tuple(guest_cpu.busiest(host_before, host_after, seconds, count=len(host_pids))))


def qemu_pid(domain: str) -> int:
    """The QEMU process of a running domain (libvirt's pid file)."""
    return int(Path(f"/run/libvirt/qemu/{domain}.pid").read_text())
