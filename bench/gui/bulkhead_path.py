"""One round of the bulkhead path: ``bulkhead run --gui`` of foot running the workload in the
domain, its frames counted where they reach the host compositor (sway's WAYLAND_DEBUG log)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.gui.sway_ipc import swaymsg
from tests.guests import URI
from tests.gui_session import Sway

from . import measures, wayland_log, workload
from .domains import GUI
from .keyboard import VirtualKeyboard
from .rounds import Round, Settings, counted_window, qemu_pid

WINDOW_TIMEOUT_S = 300
OUTPUT = "HEADLESS-1"  # the headless sway's one output
ACTIVE_RETRY_S = 60  # the guest refuses a session while the last one still closes


class WindowWatch:
    """sway's window events (``swaymsg -t subscribe``), each stamped with time.monotonic() when
    read: when a foot window appeared in sway's tree, when it closed."""

    def __init__(self, ipc: Path) -> None:
        self.events: list[tuple[float, str, str]] = []
        self.process = subprocess.Popen(
            ["swaymsg", "-s", str(ipc), "-r", "-m", "-t", "subscribe", '["window"]'],
            stdout=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            stamp = time.monotonic()
            event = json.loads(line)
            self.events.append((stamp, event.get("change", ""),
                                event.get("container", {}).get("app_id") or ""))

    def wait(self, change: str, after: float, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for stamp, seen, app_id in list(self.events):
                if stamp >= after and seen == change and app_id == "foot":
                    return stamp
            time.sleep(0.02)
        raise RuntimeError(f"no foot window {change} event within {timeout:g}s")

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def run_cli(pillar_json: Path, *args: str) -> subprocess.CompletedProcess:
    """``bulkhead run ARGS`` as a user types it (the CLI's start-up included)."""
    return subprocess.run(
        [sys.executable, "-c", "from saltext.bulkhead.cli import main; main()", "run",
         "--connect", URI, "--pillar-json", str(pillar_json), "--timeout", "120", *args],
        capture_output=True, text=True, check=False)


def host_pids(sway: Sway, window: dict, broker_log: Path, broker_pid: int) -> dict[str, int]:
    """The host processes of the path: QEMU, the broker (its relay thread), the session's
    waypipe client, the domain's filter (sway's client: the window's pid), sway."""
    client = re.findall(r"GUI session started \(waypipe client pid (\d+)", broker_log.read_text())
    return {"QEMU": qemu_pid(GUI), "broker (relay)": broker_pid,
            "waypipe client": int(client[-1]), "filter": window["pid"],
            "sway": int(sway.ipc.name.split(".")[2])}


def one_round(sway: Sway, watch: WindowWatch, keyboard: VirtualKeyboard, agent: AgentClient,
              pillar_json: Path, settings: Settings, output: str,
              broker: tuple[Path, int]) -> Round:
    """A round with sway's output at ``output`` (WxH; foot's window fills it but the title)."""
    swaymsg(sway.ipc, f"output {OUTPUT} mode --custom {output}")
    agent.run(workload.RESET)
    retry_until = time.monotonic() + ACTIVE_RETRY_S
    while True:
        started, started_real = time.monotonic(), time.time()
        done = run_cli(pillar_json, "--gui", GUI, "--", "foot", "sh", "-c", workload.SCRIPT)
        if done.returncode == 0:
            break
        if "session is active" not in done.stderr or time.monotonic() > retry_until:
            raise RuntimeError(f"run --gui failed: {done.stderr.strip()}")
        time.sleep(1)
    returned = time.monotonic() - started
    window = watch.wait("new", started, WINDOW_TIMEOUT_S)
    foot = next(w for w in sway.windows() if w.get("app_id") == "foot")
    size = f"{foot['window_rect']['width']}x{foot['window_rect']['height']}"
    cpu, host = counted_window(agent, settings, host_pids(sway, foot, *broker))
    agent.run(workload.HALT_LOOP)
    time.sleep(settings.settle_s)
    for _ in range(settings.keys):
        keyboard.type_key()
        time.sleep(settings.key_gap_s)
    ended_real = time.time()
    agent.run(workload.END)
    watch.wait("close", window, WINDOW_TIMEOUT_S)

    now_us = int(time.time() * 1e6)
    marks = wayland_log.parse((sway.runtime.parent / "sway.log").read_text(errors="replace"))

    def seconds(stamps: list[int]) -> list[float]:
        full = (wayland_log.unwrap(s, now_us) / 1e6 for s in stamps)
        return [t for t in full if started_real <= t <= ended_real]

    frames, presses = seconds(marks.frames), seconds(marks.presses)
    delivered = seconds(marks.delivered)
    if len(presses) != settings.keys or len(delivered) != settings.keys:
        raise RuntimeError(f"{len(presses)} key presses reached sway, {len(delivered)} reached "
                           f"the window, of {settings.keys}")
    first = frames[0]
    counted_from = first + settings.warmup_s  # counted against sway's clock from its first frame
    return Round(first_window_s=window - started, first_frame_s=first - started_real,
                 fps=measures.rate(frames, counted_from, counted_from + settings.window_s),
                 latencies_s=measures.key_latencies(presses, frames),
                 note=f"window {size}, run --gui returned after {returned:.2f} s", guest_cpu=cpu,
                 host_cpu=host)
