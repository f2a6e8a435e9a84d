"""What a flooding guest costs another domain: the latency of beta's call to carol through the
real broker (socketpairs for the channels) while alpha floods frames the broker must act on
(DATA with no call, HELLOs, CALLs), against no flood, rounds alternating in one run; and the
broker process's CPU meanwhile. Compare with the frame pace off (a rate no flood reaches),
which is the broker before the pace.

    python -m bench.rpc_flood [--calls 30] [--rounds 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import threading
import time
from pathlib import Path

from saltext.bulkhead.rpc.guest_limits import GuestLimits
from saltext.bulkhead.rpcwire.frames import Kind, encode
from saltext.bulkhead.rpcwire.messages import encode_hello, parse_result
from tests.hostile.broker_rig import Rig, call_frame

FLOODS = {
    "none": None,
    "DATA, no call": encode(Kind.DATA, b"x" * 100),
    "HELLO": encode_hello(),
    "CALL": call_frame("test.Echo+", "nobody"),
}
PACED = GuestLimits()
UNPACED = GuestLimits(frames_per_s=1e9, frame_burst=1_000_000_000)


def one_round(flood: bytes | None, limits: GuestLimits, calls: int) -> tuple[list[float], float]:
    """beta's call latencies (ms) and the process's CPU (share of one core) during them."""
    with tempfile.TemporaryDirectory() as tmp:
        rig = Rig(Path(tmp), guest_limits=limits)
        alpha, beta, carol = rig.guest("alpha"), rig.guest("beta"), rig.guest("carol")
        stop = threading.Event()

        def send() -> None:
            burst = flood * 100
            while not stop.is_set():
                try:
                    alpha.sock.sendall(burst)
                except OSError:
                    return

        if flood is not None:
            alpha.drain()
            threading.Thread(target=send, daemon=True).start()
            time.sleep(0.3)
        latencies = []
        before, started = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
        try:
            for _ in range(calls):
                t = time.perf_counter()
                beta.sock.sendall(call_frame("test.Echo+", "carol"))
                assert carol.next().kind is Kind.EXEC
                assert parse_result(beta.next().payload) == "carol"
                latencies.append((time.perf_counter() - t) * 1e3)
                carol.exit(0)
                while beta.next().kind is not Kind.EXIT:
                    pass
                time.sleep(0.2)  # beta keeps under its own call rate
        finally:
            after, took = resource.getrusage(resource.RUSAGE_SELF), time.monotonic() - started
            stop.set()
            rig.broker.close()
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / took
    return latencies, cpu


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
    for _ in range(args.rounds):
        for pace, limits in (("paced", PACED), ("unpaced", UNPACED)):
            for name, flood in FLOODS.items():
                latencies, cpu = one_round(flood, limits, args.calls)
                lat, cpus = results.setdefault((pace, name), ([], []))
                lat.extend(latencies)
                cpus.append(cpu)
    base = {pace: statistics.median(results[pace, "none"][0]) for pace in ("paced", "unpaced")}
    print("| frame pace | alpha floods | beta's call, median ms | p90 ms | vs no flood | "
          "broker process CPU (cores) |")
    print("|---|---|---:|---:|---:|---:|")
    for (pace, name), (lat, cpus) in results.items():
        lat.sort()
        median = statistics.median(lat)
        print(f"| {pace} | {name} | {median:.2f} | {lat[int(len(lat) * 0.9)]:.2f} | "
              f"{median / base[pace]:.2f}x | {statistics.median(cpus):.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
