"""Are a running domain's QEMU threads confined to its CPU partition?

The kernel says where each thread may run (``Cpus_allowed_list`` in /proc/PID/task/TID/status);
libvirt says what it was asked to pin (the live XML). Both must stay inside the domain's
partition, and no two partitions may share a CPU. Reading is left to the caller (testinfra's
``host``, so another machine can be checked); these functions only parse and judge.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from ..model.cpu_list import format_cpu_list, parse_cpu_list

PID_DIR = "/run/libvirt/qemu"
# What ``grep -H`` prints for the two lines of each thread's status that matter here.
STATUS_COMMAND = "grep -H -E '^(Name|Cpus_allowed_list):' /proc/%s/task/*/status"
_LINE = re.compile(r"^/proc/\d+/task/(\d+)/status:(Name|Cpus_allowed_list):\s*(.*)$")


@dataclass(frozen=True)
class QemuThread:
    tid: int
    name: str  # QEMU names its threads: "CPU 0/KVM", "qemu-system-x86", "IO mon_iothread", ...
    cpus: frozenset[int]


def threads_from_grep(output: str) -> list[QemuThread]:
    """Parse ``STATUS_COMMAND``'s output; a thread whose CPU list cannot be read is reported as
    allowed nowhere it could be checked (an empty set never passes the check below)."""
    names: dict[int, str] = {}
    cpus: dict[int, frozenset[int]] = {}
    for line in output.splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        tid, field, value = int(match[1]), match[2], match[3].strip()
        if field == "Name":
            names[tid] = value[:64]
        else:
            try:
                cpus[tid] = parse_cpu_list(value)
            except ValueError:
                cpus[tid] = frozenset()
    return [QemuThread(tid, names.get(tid, "?"), cpus.get(tid, frozenset()))
            for tid in sorted(names.keys() | cpus.keys())]


def qemu_pid(pidfile_text: str | None, cmdline: bytes | None, name: str) -> int | None:
    """The pid libvirt recorded for ``name``, if that process is still this domain's QEMU."""
    text = (pidfile_text or "").strip()
    if not text.isdigit() or cmdline is None:
        return None
    args = cmdline.split(b"\0")
    return int(text) if f"guest={name},".encode() in b",".join(args) + b"," else None


def thread_problems(name: str, threads: list[QemuThread], allowed: frozenset[int]) -> list[str]:
    if not threads:
        return [f"{name}: no QEMU thread found to check"]
    within = format_cpu_list(allowed)
    return [f"{name}: QEMU thread {t.tid} ({t.name}) may run on CPUs "
            f"{format_cpu_list(t.cpus) or 'unknown'}, outside its partition's {within}"
            for t in threads if not t.cpus or not t.cpus <= allowed]


def live_pin_problems(name: str, live_xml: str, allowed: frozenset[int]) -> list[str]:
    """Every cpuset libvirt holds for the running domain lies inside ``allowed``, and the vCPUs
    and emulator are pinned at all."""
    doc = etree.fromstring(live_xml.encode())
    found = {"vcpu": doc.find("vcpu").get("cpuset") if doc.find("vcpu") is not None else None,
             "emulatorpin": doc.find("cputune/emulatorpin").get("cpuset")
             if doc.find("cputune/emulatorpin") is not None else None}
    for tag in ("vcpupin", "iothreadpin"):
        found.update({f"{tag} {el.get('vcpu') or el.get('iothread')}": el.get("cpuset")
                      for el in doc.iterfind(f"cputune/{tag}")})
    problems = []
    for what, text in sorted(found.items()):
        if text is None:
            problems.append(f"{name}: libvirt holds no {what} cpuset (not pinned)")
            continue
        try:
            cpus = parse_cpu_list(text)
        except ValueError:
            cpus = frozenset()
        if not cpus or not cpus <= allowed:
            problems.append(f"{name}: libvirt's {what} cpuset {text[:40]!r} is outside its "
                            f"partition's {format_cpu_list(allowed)}")
    return problems


def overlaps(partitions: Mapping[str, frozenset[int]]) -> list[str]:
    """Each pair of partitions that share CPUs."""
    names = sorted(partitions)
    return [f"partitions {a} and {b} share CPUs {format_cpu_list(partitions[a] & partitions[b])}"
            for i, a in enumerate(names) for b in names[i + 1:] if partitions[a] & partitions[b]]
