"""The cost of the Wayland filter: the same client work against a headless sway directly and
through ``python -m saltext.bulkhead.gui.wayland_filter``, side by side in one run.

    python -m bench.gui_filter [--roundtrips 2000] [--syncs 50000] [--pools 500]

Round trips: one wl_display.sync at a time (latency). Pipelined: syncs sent in batches of 256,
every event read (messages per second). Pools: wl_shm.create_pool with a memfd (a file
descriptor through the filter) and its destroy, then a round trip.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from saltext.bulkhead.gui.wayland_filter.wire import build, u32
from tests.hostile.gui.sway_rig import Filter, Sway
from tests.hostile.gui.wayland_client import Client


def roundtrips(path: str, count: int) -> float:
    """Median seconds of one round trip."""
    client, times = Client(path), []
    for _ in range(count):
        start = time.perf_counter()
        client.roundtrip()
        times.append(time.perf_counter() - start)
    client.close()
    return statistics.median(times)


def pipelined(path: str, count: int) -> float:
    """Seconds for ``count`` syncs sent 256 at a time, each batch's events all read."""
    client = Client(path)
    start = time.perf_counter()
    for _ in range(count // 256):
        first = client.new_id()
        ids = [first] + [client.new_id() for _ in range(255)]
        client.sock.sendall(b"".join(build(1, 0, u32(i)) for i in ids))
        pending = set(ids)
        while pending:
            for event in client.read(30):
                pending.discard(event.object_id)
    elapsed = time.perf_counter() - start
    client.close()
    return elapsed


def pools(path: str, count: int) -> float:
    """Seconds for ``count`` shm pools made from a memfd and destroyed, one round trip each."""
    client = Client(path)
    shm = client.bind(client.name_of("wl_shm"), "wl_shm", 1)
    fd = os.memfd_create("bench")
    os.ftruncate(fd, 4096)
    start = time.perf_counter()
    for _ in range(count):
        pool = client.new_id()
        client.send(shm, 0, u32(pool) + u32(4096), (fd,))
        client.send(pool, 1, b"")  # wl_shm_pool.destroy
        client.roundtrip()
    elapsed = time.perf_counter() - start
    os.close(fd)
    client.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--roundtrips", type=int, default=2000)
    parser.add_argument("--syncs", type=int, default=50000)
    parser.add_argument("--pools", type=int, default=500)
    args = parser.parse_args()
    sway = Sway()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            filtered = Filter(sway, Path(tmp), "bench")
            rows = []
            for label, work in (
                    (f"round trip, median of {args.roundtrips} (µs)",
                     lambda p: roundtrips(p, args.roundtrips) * 1e6),
                    (f"{args.syncs} pipelined syncs (messages/s, both ways)",
                     lambda p: 3 * (args.syncs // 256 * 256) / pipelined(p, args.syncs)),
                    (f"{args.pools} shm pools with a memfd, round trip each (µs per pool)",
                     lambda p: pools(p, args.pools) / args.pools * 1e6)):
                direct, through = [], []
                for _ in range(3):  # alternating, so that load on the machine hits both
                    direct.append(work(str(sway.socket)))
                    through.append(work(str(filtered.socket)))
                best = max if "messages/s" in label else min
                rows.append((label, best(direct), best(through)))
            filtered.stop()
    finally:
        sway.close()
    print("| work (best of 3 each, alternating) | direct | through the filter "
          "| filter / direct |\n| --- | ---: | ---: | ---: |")
    for label, direct, through in rows:
        print(f"| {label} | {direct:,.0f} | {through:,.0f} | {through / direct:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
