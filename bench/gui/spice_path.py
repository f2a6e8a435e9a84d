"""One round of the SPICE path: the workload on the domain's VGA text console (tty1), watched by
a SPICE client on the display's unix socket (spice_probe.py, spice-client-glib)."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

from saltext.bulkhead.agent import AgentClient

from . import measures, workload
from .bulkhead_path import run_cli
from .domains import SPICE
from .rounds import Round, Settings, counted_window, qemu_pid

PROBE = Path(__file__).with_name("spice_probe.py")
SYSTEM_PYTHON = "/usr/bin/python3"  # where python3-gi is
FIRST_UPDATE_TIMEOUT_S = 60
SCANCODE_A = 0x1E  # PC set 1
IDLE_BEFORE_S = 1.0
UPDATE_GAP_S = 0.008
"""Messages of one update arrive back to back (well under a millisecond apart on a unix
socket); QEMU looks for changes on a VGA screen every 30 ms, so updates are that far apart."""


class Probe:
    def __init__(self, socket: str) -> None:
        self.events: list[dict] = []
        self.process = subprocess.Popen([SYSTEM_PYTHON, str(PROBE), socket],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.events.append(json.loads(line))

    def times(self, event: str) -> list[float]:
        return [e["t"] for e in list(self.events) if e["event"] == event]

    def wait(self, event: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in list(self.events) if e["event"] == event]
            if found:
                return found[0]
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError(f"SPICE client: no {event} within {timeout:g}s: {self.events[-5:]}")

    def key(self, code: int) -> None:
        self.process.stdin.write(f"key {code}\n")
        self.process.stdin.flush()

    def close(self) -> None:
        try:
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
            self.process.wait(10)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


def one_round(socket: str, agent: AgentClient, pillar_json: Path, settings: Settings) -> Round:
    """The viewer connects to an idle console; then ``bulkhead run`` (no --gui: the same CLI
    and agent as the bulkhead path) starts the workload on it."""
    agent.run(workload.CONSOLE_IDLE)
    probe = Probe(socket)
    try:
        connected = probe.wait("connect", FIRST_UPDATE_TIMEOUT_S)["t"]
        primary = probe.wait("primary", FIRST_UPDATE_TIMEOUT_S)
        shown = probe.wait("invalidate", FIRST_UPDATE_TIMEOUT_S)["t"]
        time.sleep(IDLE_BEFORE_S)
        started = time.monotonic()
        done = run_cli(pillar_json, SPICE, "--", "sh", "-c", workload.ON_CONSOLE)
        if done.returncode != 0:
            raise RuntimeError(f"run failed: {done.stderr.strip()}")
        first = measures.first_after(probe.times("invalidate"), started)
        while first is None and time.monotonic() < started + FIRST_UPDATE_TIMEOUT_S:
            time.sleep(0.02)
            first = measures.first_after(probe.times("invalidate"), started)
        if first is None:
            raise RuntimeError("the workload drew nothing on the console")
        cpu, host = counted_window(agent, settings, {"QEMU": qemu_pid(SPICE),
                                                     "SPICE client": probe.process.pid})
        agent.run(workload.HALT_LOOP)
        time.sleep(settings.settle_s)
        for _ in range(settings.keys):
            probe.key(SCANCODE_A)
            time.sleep(settings.key_gap_s)
    finally:
        probe.close()
        agent.run(workload.END)
    rectangles = probe.times("invalidate")
    updates = measures.bursts(rectangles, UPDATE_GAP_S)
    counted_from = first + settings.warmup_s
    window = (counted_from, counted_from + settings.window_s)
    return Round(first_window_s=shown - connected, first_frame_s=first - started,
                 fps=measures.rate(updates, *window),
                 latencies_s=measures.key_latencies(probe.times("key"), updates),
                 note=f"screen {primary['width']}x{primary['height']}, "
                      f"{measures.rate(rectangles, *window):.0f} rectangles/s", guest_cpu=cpu,
                 host_cpu=host)
