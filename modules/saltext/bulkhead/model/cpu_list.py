"""CPU lists in the kernel's notation (``0-3,8``): pillar partitions, libvirt cpusets and
/proc's ``Cpus_allowed_list`` all use it, so one parser and one printer serve them all."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Far above any real host, low enough that a typo ("0-99999999") cannot cost memory.
MAX_CPU = 8191
CPU_LIST_PATTERN = r"^[0-9]{1,4}(-[0-9]{1,4})?(,[0-9]{1,4}(-[0-9]{1,4})?)*$"
CPU_LIST_RULE = (f"must be a list of host CPU numbers as the kernel writes them, such as 0, 2-3 or "
                 f"0-1,4 (ascending ranges, numbers up to {MAX_CPU})")


def parse_cpu_list(text: str) -> frozenset[int]:
    """The CPUs a list names; ValueError saying why when it is not one."""
    text = text.strip()
    if not re.fullmatch(CPU_LIST_PATTERN, text):
        raise ValueError(f"{text[:40]!r} is not a CPU list")
    cpus: set[int] = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        low, high = int(first), int(last or first)
        if high < low or high > MAX_CPU:
            raise ValueError(f"{part!r}: ranges go upwards, up to {MAX_CPU}")
        cpus.update(range(low, high + 1))
    return frozenset(cpus)


def format_cpu_list(cpus: Iterable[int]) -> str:
    """The shortest kernel notation for ``cpus`` (``{0, 1, 2, 5}`` -> ``0-2,5``)."""
    parts: list[str] = []
    run: list[int] = []
    for cpu in sorted(set(cpus)):
        if run and cpu == run[-1] + 1:
            run.append(cpu)
            continue
        if run:
            parts.append(_run_text(run))
        run = [cpu]
    if run:
        parts.append(_run_text(run))
    return ",".join(parts)


def _run_text(run: list[int]) -> str:
    return str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}"
