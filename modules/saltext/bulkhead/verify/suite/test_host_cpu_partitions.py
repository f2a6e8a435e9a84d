"""CPU separation by trust: every running domain's QEMU threads (vCPUs, emulator, I/O) may run
only on its partition's CPUs, as the kernel reports them in /proc, libvirt holds the same pins,
and no two partitions share a CPU (docs/cpu-partitions.md)."""

from __future__ import annotations

from lxml import etree

from saltext.bulkhead.verify.cpu_confinement import (
    PID_DIR,
    STATUS_COMMAND,
    live_pin_problems,
    overlaps,
    qemu_pid,
    thread_problems,
    threads_from_grep,
)
from saltext.bulkhead.verify.skips import no_subject, not_applicable

QEMU_TYPES = ("qemu", "kvm")  # a process of its own, with threads in /proc


def _threads(host, name: str):
    pidfile = host.file(f"{PID_DIR}/{name}.pid")
    text = pidfile.content_string if pidfile.exists else None
    pid_text = (text or "").strip()
    cmdline = host.file(f"/proc/{pid_text}/cmdline") if pid_text.isdigit() else None
    pid = qemu_pid(text, cmdline.content if cmdline is not None and cmdline.exists else None, name)
    if pid is None:
        return None
    # Threads come and go while grep reads them: what it printed is still true of those threads.
    return threads_from_grep(host.run(STATUS_COMMAND % pid).stdout)


def test_qemu_threads_stay_in_their_partition(host, bulkhead_plan, active_domains,
                                              libvirt_domains, not_running):
    if not bulkhead_plan.cpu_partitions:
        not_applicable("the pillar declares no host:cpu_partitions")
    problems = overlaps(bulkhead_plan.cpu_partitions)
    observed: dict[str, set[int]] = {}
    checked = []
    for name in active_domains:
        dplan = bulkhead_plan.domains.get(name)
        if dplan is None or dplan.cpus is None:
            continue
        live = libvirt_domains[name].live_xml
        problems += live_pin_problems(name, live, dplan.cpus)
        checked.append(name)
        if etree.fromstring(live.encode()).get("type") not in QEMU_TYPES:
            continue
        threads = _threads(host, name)
        if threads is None:
            problems.append(f"{name}: runs, but no QEMU process of it is found by "
                            f"{PID_DIR}/{name}.pid")
            continue
        problems += thread_problems(name, threads, dplan.cpus)
        # Partitions are disjoint and not empty: its CPUs name the domain's partition.
        partition = next(p for p, c in bulkhead_plan.cpu_partitions.items() if c == dplan.cpus)
        observed.setdefault(partition, set()).update(*(t.cpus for t in threads))
    if not checked:
        no_subject("no running domain to check", not_running)
    as_running = overlaps({p: frozenset(c) for p, c in observed.items()})
    problems += [f"as running: {line}" for line in as_running]
    assert not problems, "domains outside their CPU partition:\n" + "\n".join(problems)
