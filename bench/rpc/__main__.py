"""The cost of the RPC path: a file copy through caller daemon, broker and target daemon (real
threads and sockets, socketpairs standing in for the virtio-serial ports) against the same copy
done in one process (``receive(send(...))``), in the same run; and calls per second.

    python -m bench.rpc [--mib 32] [--calls 100]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import tempfile
import time
from pathlib import Path

from saltext.bulkhead.filecopy import receive, send
from saltext.bulkhead.guest.client import call
from saltext.bulkhead.rpc.guest_limits import GuestLimits
from saltext.bulkhead.rpc.prompt import RefusePrompt
from tests.unit.rpc.rpc_harness import Harness


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=32)
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        src = root / "payload"
        src.write_bytes(bytes(range(256)) * (args.mib * 4096))
        (root / "direct").mkdir()
        (root / "rig").mkdir()
        # Calls in a row, as fast as they go: above the per-domain call rate a guest gets.
        rig = Harness(
            root / "rig",
            RefusePrompt(),
            guest_limits=GuestLimits(calls_per_s=1e6, call_burst=10**6),
        )
        rig.guest("alpha")
        rig.guest("beta")
        try:
            rows = []
            for run in range(3):
                start = time.perf_counter()
                receive(send([src]), root / "direct", f"run{run}")
                direct = time.perf_counter() - start
                start = time.perf_counter()
                rc = call(
                    "beta",
                    "qubes.Filecopy+",
                    send([src]),
                    io.BytesIO(),
                    local_socket=rig.socket_of("alpha"),
                )
                brokered = time.perf_counter() - start
                assert rc == 0
                rows.append((direct, brokered))
            placed = sorted((rig.incoming("beta") / "alpha").iterdir())
            assert len(placed) == 3 and all(digest(p) == digest(src) for p in placed), (
                "copies differ"
            )
            direct, brokered = min(r[0] for r in rows), min(r[1] for r in rows)
            start = time.perf_counter()
            for _ in range(args.calls):
                assert (
                    call(
                        "beta",
                        "test.Echo+",
                        [b"x"],
                        io.BytesIO(),
                        local_socket=rig.socket_of("alpha"),
                    )
                    == 0
                )
            per_call = (time.perf_counter() - start) / args.calls
            start = time.perf_counter()
            with contextlib.redirect_stderr(io.StringIO()):  # the client's "request refused" lines
                for _ in range(args.calls):
                    assert call("alpha", "qubes.Filecopy+", [b"x"], io.BytesIO(),
                                local_socket=rig.socket_of("beta")) == 126
            per_denial = (time.perf_counter() - start) / args.calls
        finally:
            rig.close()
    mib = args.mib
    print(f"| path ({mib} MiB file, fastest of 3) | s | MiB/s |\n| --- | ---: | ---: |")
    print(f"| in one process: receive(send(...)) | {direct:.3f} | {mib / direct:.0f} |")
    print(
        f"| caller daemon -> broker -> target daemon -> receiver | {brokered:.3f} | "
        f"{mib / brokered:.0f} |"
    )
    print(f"\nbrokered / direct time: {brokered / direct:.2f}x")
    print(f"\n| call ({args.calls} in a row) | ms/call | calls/s |\n| --- | ---: | ---: |")
    print(
        f"| allowed, service /bin/sh echo (policy loaded, process spawned) | {per_call * 1000:.1f} "
        f"| {1 / per_call:.0f} |"
    )
    print(f"| denied by policy | {per_denial * 1000:.1f} | {1 / per_denial:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
