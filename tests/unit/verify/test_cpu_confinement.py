"""Reading and judging where QEMU threads may run: /proc status lines, the pid libvirt records,
libvirt's live pins, and partitions that overlap."""

from __future__ import annotations

import os
import subprocess

from saltext.bulkhead.model.cpu_list import parse_cpu_list
from saltext.bulkhead.verify.cpu_confinement import (
    STATUS_COMMAND,
    live_pin_problems,
    overlaps,
    qemu_pid,
    thread_problems,
    threads_from_grep,
)

from .helpers import example_plan

GREP = """/proc/41/task/41/status:Name:\tqemu-system-x86
/proc/41/task/41/status:Cpus_allowed_list:\t1
/proc/41/task/44/status:Name:\tCPU 0/TCG
/proc/41/task/44/status:Cpus_allowed_list:\t0-1
/proc/41/task/45/status:Name:\tworker
/proc/41/task/45/status:Cpus_allowed_list:\tgarbage
"""


def test_threads_are_read_from_grep_and_judged_against_the_partition():
    threads = threads_from_grep(GREP)
    assert [(t.tid, t.name, t.cpus) for t in threads] == [
        (41, "qemu-system-x86", {1}), (44, "CPU 0/TCG", {0, 1}), (45, "worker", frozenset())]
    assert thread_problems("vault", threads, frozenset({1})) == [
        "vault: QEMU thread 44 (CPU 0/TCG) may run on CPUs 0-1, outside its partition's 1",
        "vault: QEMU thread 45 (worker) may run on CPUs unknown, outside its partition's 1",
    ]
    assert thread_problems("vault", threads[:1], frozenset({1})) == []
    assert thread_problems("vault", [], frozenset({1})) == ["vault: no QEMU thread found to check"]


def test_this_processs_own_threads_read_from_proc():
    out = subprocess.run(["sh", "-c", STATUS_COMMAND % os.getpid()], capture_output=True,
                         text=True, check=True).stdout
    threads = threads_from_grep(out)
    assert os.getpid() in {t.tid for t in threads}
    assert all(t.cpus == frozenset(os.sched_getaffinity(t.tid)) for t in threads)


def test_a_pid_counts_only_while_its_process_is_that_domains_qemu():
    cmdline = b"/usr/bin/qemu-system-x86_64\0-name\0guest=vault,debug-threads=on\0-S\0"
    assert qemu_pid("1234\n", cmdline, "vault") == 1234
    assert qemu_pid("1234\n", cmdline, "vaul") is None  # another domain's QEMU
    assert qemu_pid("1234\n", b"/bin/sh\0", "vault") is None  # a recycled pid
    assert qemu_pid("", cmdline, "vault") is None and qemu_pid("12", None, "vault") is None


def test_live_pins_must_be_inside_the_partition():
    plan = example_plan()
    vault = plan.domains["vault"]
    assert vault.cpus == {1} and plan.domains["work"].cpus == {0}
    assert live_pin_problems("vault", vault.xml, vault.cpus) == []
    assert live_pin_problems("vault", vault.xml, frozenset({0})) == [
        "vault: libvirt's emulatorpin cpuset '1' is outside its partition's 0",
        "vault: libvirt's vcpu cpuset '1' is outside its partition's 0",
        "vault: libvirt's vcpupin 0 cpuset '1' is outside its partition's 0",
    ]
    unpinned = vault.xml.replace(' cpuset="1"', "")
    assert "vault: libvirt holds no vcpu cpuset (not pinned)" in live_pin_problems(
        "vault", unpinned, vault.cpus)


def test_overlapping_partitions_are_named():
    partitions = {"a": parse_cpu_list("0-2"), "b": parse_cpu_list("2-3"), "c": frozenset({4})}
    assert overlaps(partitions) == ["partitions a and b share CPUs 2"]
    assert overlaps(example_plan().cpu_partitions) == []
