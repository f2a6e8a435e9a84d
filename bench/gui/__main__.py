"""GUI from a domain, side by side in one run: bulkhead's path (``bulkhead run --gui`` through
the relay, the sandboxed waypipe client and the domain's Wayland filter into a headless sway)
and SPICE on a unix socket (the domain's VGA console, a spice-client-glib client), alternating
rounds A B A' B (A, A': bulkhead at each of --outputs) on two Debian domains under TCG booted
once.

    python -m bench.gui [--rounds 3] [--keys 8] [--window 10] [--outputs 1280x720,720x424]

Both run the same terminal workload (workload.py): a shell loop printing lines (frame rate),
then idle (key latency). What each figure measures and where its clock is read: BENCHMARKS.md.
Not part of ``make bench``: it boots two TCG guests (``bhgui-``, removed at the end).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
from pathlib import Path

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.gui.names import relay_user
from saltext.bulkhead.image.build import DEFAULT_CACHE
from saltext.bulkhead.image.debian import DebianSpec, build_debian
from saltext.bulkhead.plan import names
from tests.gui_session import headless_sway
from tests.integration.rpc_broker import broker_process, wait_for

from . import bulkhead_path, domains, measures, spice_path
from .keyboard import VirtualKeyboard
from .rounds import Round, Settings

SPICE_COLUMN = "SPICE"
IMAGE = "debian-gui"  # the GUI Debian template, as the GUI integration tests build it


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f} ms"


def table(columns: dict[str, list[Round]], spice: str) -> str:
    def med(rounds: list[Round], get) -> float | None:
        return measures.median([get(r) for r in rounds])

    rows = [("`bulkhead run` started -> the app's first frame / first display update", "s",
             lambda rounds: med(rounds, lambda r: r.first_frame_s)),
            ("`run --gui` started -> window in sway's tree / viewer connect -> first update", "s",
             lambda rounds: med(rounds, lambda r: r.first_window_s)),
            ("frames / display updates per second, the loop printing", "/s",
             lambda rounds: med(rounds, lambda r: r.fps)),
            ("key -> next frame / next update, median of all keys", "ms",
             lambda rounds: measures.median([v for r in rounds for v in r.latencies_s]))]
    names = list(columns)
    ratios = [n for n in names if n != spice]
    out = ["| median of the rounds | " + " | ".join(names) + " | "
           + " | ".join(f"{n} / SPICE" for n in ratios) + " |",
           "| --- |" + " ---: |" * (len(names) + len(ratios))]
    for label, unit, get in rows:
        values = {n: get(columns[n]) for n in names}
        shown = [_ms(values[n]) if unit == "ms" else f"{values[n]:.2f} {unit}" for n in names]
        ratio = [f"{values[n] / values[spice]:.2f}" for n in ratios]
        out.append(f"| {label} | " + " | ".join(shown + ratio) + " |")
    for name, rounds in columns.items():
        for i, r in enumerate(rounds):
            out.append(f"\n{name}, round {i + 1}: first {r.first_window_s:.2f} s (frame "
                       f"{r.first_frame_s:.2f} s), {r.fps:.2f}/s, keys "
                       f"{', '.join(_ms(v) for v in r.latencies_s)}; {r.note}; guest CPU "
                       f"{', '.join(f'{c} {share:.0%}' for c, share in r.guest_cpu)}; host CPU "
                       f"{', '.join(f'{c} {share:.0%}' for c, share in r.host_cpu)}")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gui")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keys", type=int, default=8)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--outputs", default="1280x720,720x424",
                        help="sway's output size in the bulkhead rounds, one A round each (the "
                        "second: foot's window about the VGA console's 720x400)")
    args = parser.parse_args()
    settings = Settings(window_s=args.window, keys=args.keys)
    image = build_debian(IMAGE, DebianSpec(size_mib=1024, gui=True), DEFAULT_CACHE)
    print(f"load average before: {os.getloadavg()}", flush=True)
    sway_gen = headless_sway({"WAYLAND_DEBUG": "server"})
    sway = next(sway_gen)
    outputs = args.outputs.split(",")
    columns: dict[str, list[Round]] = {f"bulkhead, sway output {o}": [] for o in outputs}
    columns[SPICE_COLUMN] = []
    try:
        data = domains.pillar(image.directory, sway.display)
        with tempfile.TemporaryDirectory(prefix="bhgui-") as tmp, \
                domains.booted(data) as socket, \
                broker_process(Path(tmp), "", data, domains.GUI) as (log, broker):
            wait_for(log, f"{domains.GUI}: GUI relay started", 60)
            print(f"booted; load average {os.getloadavg()}", flush=True)
            gui_agent = AgentClient(names.agent_socket(domains.GUI))
            spice_agent = AgentClient(names.agent_socket(domains.SPICE))
            keyboard = VirtualKeyboard(str(sway.display))
            watch = bulkhead_path.WindowWatch(sway.ipc)
            try:
                for _ in range(args.rounds):  # A B A B: load on the machine hits both
                    for output in outputs:
                        got = bulkhead_path.one_round(sway, watch, keyboard, gui_agent,
                                                      Path(tmp) / "pillar.json", settings, output,
                                                      (log, broker.pid))
                        columns[f"bulkhead, sway output {output}"].append(got)
                        print(f"bulkhead {output}: {got}", flush=True)
                        got = spice_path.one_round(socket, spice_agent,
                                                      Path(tmp) / "pillar.json", settings)
                        columns[SPICE_COLUMN].append(got)
                        print(f"SPICE: {got}", flush=True)
            finally:
                watch.close()
                keyboard.close()
            print(f"load average after: {os.getloadavg()}", flush=True)
    finally:
        sway_gen.close()
        # the relay's user for the domain, made by the broker (tests/integration does the same)
        subprocess.run(["userdel", relay_user(domains.GUI)], check=False, capture_output=True)
    print(table(columns, SPICE_COLUMN))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
