"""The apply bench's Markdown table: medians per URI, N and tool, and the ratios between tools."""

from __future__ import annotations

import math
import statistics

BULKHEAD = "bulkhead"
PER_STATE = "bulkhead, reads per state"
SALTVIRT = "saltext-virt"
TOOLS = (BULKHEAD, PER_STATE, SALTVIRT)

Times = dict[tuple[str, int, str, str], list[float]]
Calls = dict[tuple[str, int, str, str], tuple[float, int]]

HEADER = (
    "| URI | N | tool | cold s | cold ms/domain | first no-op ms | no-op ms | no-op ms/domain "
    "| new-process no-op ms | ms/domain | libvirt calls/domain cold | no-op | mutating calls "
    "in no-ops |",
    "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
)


def table(times: Times, calls: Calls, uris: list[str], sizes: list[int]) -> str:
    """One row per tool (cold, first no-op after it, steady no-op, no-op in a new process:
    medians over every round's timings; the last only where measured), then bulkhead's ratio to
    each other tool for each."""
    rows = list(HEADER)
    for uri in uris:
        for n in sizes:
            medians = {}
            for tool in TOOLS:
                kinds = [times.get((uri, n, tool, k)) for k in ("cold", "first", "noop")]
                if not all(kinds):
                    continue
                new = times.get((uri, n, tool, "new"))
                kinds.append(new or [float("nan")])
                cold, first, noop, fresh = medians[tool] = tuple(
                    statistics.median(k) for k in kinds)
                counted = ("", "", "")
                if (uri, n, tool, "cold") in calls:
                    (cc, _), (nc, nm) = calls[uri, n, tool, "cold"], calls[uri, n, tool, "noop"]
                    counted = (f"{cc:.1f}", f"{nc:.1f}", str(nm))
                per = 1000 / (n + 1)
                rows.append(
                    f"| {uri} | {n} | {tool} | {cold:.2f} | {cold * per:.1f} | {first * 1e3:.1f} "
                    f"| {noop * 1e3:.1f} | {noop * per:.2f} "
                    f"| {_fmt(fresh * 1e3, 1)} | {_fmt(fresh * per, 2)} "
                    f"| {' | '.join(counted)} |"
                )
            for other in (PER_STATE, SALTVIRT):
                if BULKHEAD in medians and other in medians:
                    ours, theirs = medians[BULKHEAD], medians[other]
                    cold, first, noop, fresh = (o / t for o, t in zip(ours, theirs, strict=True))
                    rows.append(
                        f"| {uri} | {n} | **ratio bulkhead / {other}** | {cold:.2f} | | "
                        f"{first:.3f} | {noop:.3f} | | {_fmt(fresh, 3)} | | | | |"
                    )
    return "\n".join(rows)


def _fmt(value: float, digits: int) -> str:
    """``value`` to ``digits`` decimals; nothing where it was not measured (NaN)."""
    return "" if math.isnan(value) else f"{value:.{digits}f}"
