"""What guests can reach, every probe at once: a "cannot reach" probe lasts its whole timeout.

A probe is ``("tcp", address, port)``, a short TCP connect (busybox ``nc -w 3``), or ``("ping",
address)``, a single ping (``-W 2``). Run one after the other, a full ``bulkhead verify`` spent
most of its minutes waiting out the probes that were meant to fail; here each guest runs all of
its probes in the background of one command, and the guests are asked side by side, so a run
waits about one timeout per batch. The guest's answer only tells which probes it says reached
their target: lines naming a probe that was not asked are ignored.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

Probe = tuple  # ("tcp", address, port) | ("ping", address)
REACHED = re.compile(r"^reached (\d+)$", re.MULTILINE)


def _command(probe: Probe) -> str:
    kind, address = probe[0], ipaddress.IPv4Address(str(probe[1]))
    if kind == "tcp":
        return f"echo | nc -w 3 {address} {int(probe[2])}"
    if kind == "ping":
        return f"ping -c 1 -W 2 {address}"
    raise ValueError(f"unknown probe {kind!r}")


def _one_guest(host: Any, probes: list[Probe]) -> set[Probe]:
    lines = [f"( {_command(p)} >/dev/null 2>&1 && echo reached {i} ) &"
             for i, p in enumerate(probes)]
    out = host.run("\n".join([*lines, "wait"]))
    said = {int(found) for found in REACHED.findall(out.stdout)}
    return {p for i, p in enumerate(probes) if i in said}


def reached(guest: Callable[[str], Any], probes: Mapping[str, Iterable[Probe]]
            ) -> dict[tuple[str, Probe], bool]:
    """``{(domain, probe): reached}`` for every probe of every domain in ``probes``."""
    asked = {name: list(dict.fromkeys(p)) for name, p in probes.items() if p}
    hosts = {name: guest(name) for name in asked}
    with ThreadPoolExecutor(max_workers=max(len(asked), 1)) as pool:
        futures = {name: pool.submit(_one_guest, hosts[name], asked[name]) for name in asked}
    return {(name, p): p in futures[name].result() for name in asked for p in asked[name]}
