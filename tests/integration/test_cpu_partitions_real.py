"""CPU partitions on the real libvirtd: two TCG guests of different partitions on this host's two
cores; every thread of each QEMU (vCPUs, main loop, I/O workers), as the kernel reports it in
/proc, may run only on its partition's core, and `bulkhead verify`'s check says so too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.verify.cpu_confinement import (
    PID_DIR,
    STATUS_COMMAND,
    qemu_pid,
    thread_problems,
    threads_from_grep,
)
from saltext.bulkhead.virt import connect, domain_running
from saltext.bulkhead.virt.cpu_topology import host_topology

from ..guests import URI, template_and_app, wait_ready
from ..topology import define_and_start, purge

pytestmark = pytest.mark.integration

TPL, APP, VAULT = "bhcpu-tpl", "bhcpu-app", "bhcpu-vault"
BOOT_TIMEOUT_S = 240
PARTITIONS = {"secret": {"cpus": "1", "labels": ["black"]},
              "general": {"cpus": "0", "labels": ["red"]}}


def pillar_data() -> dict:
    data = template_and_app("bhcpu")
    data["host"]["cpu_partitions"] = PARTITIONS
    data["host"]["workstation"] = "ws-bhcpu"
    data["domains"][TPL]["label"] = "black"
    data["domains"][VAULT] = {**data["domains"][APP], "label": "black"}
    return data


@pytest.fixture
def conn(prebuilt_image):
    with connect(URI) as raw:
        topology = host_topology(raw)
        if not {frozenset({0}), frozenset({1})} <= set(topology.cores()):
            pytest.skip(f"needs CPUs 0 and 1 on cores of their own: {topology.describe()}")
        purge(load_pillar(pillar_data()))
        try:
            yield raw
        finally:
            purge(load_pillar(pillar_data()))


def qemu_threads(name: str):
    text = Path(f"{PID_DIR}/{name}.pid").read_text()
    pid = qemu_pid(text, Path(f"/proc/{text.strip()}/cmdline").read_bytes(), name)
    assert pid is not None, f"no QEMU process of {name}"
    out = subprocess.run(["sh", "-c", STATUS_COMMAND % pid], capture_output=True, text=True).stdout
    return threads_from_grep(out)


def test_each_guests_qemu_threads_stay_on_its_partitions_core(conn, tmp_path):
    model = load_pillar(pillar_data())
    define_and_start(conn, model, (TPL, APP, VAULT), APP, BOOT_TIMEOUT_S)
    out = domain_running(conn, model, VAULT)
    assert out.result is True, out.comment
    wait_ready([VAULT], BOOT_TIMEOUT_S)  # both booted: their disks were read, I/O workers ran

    threads = {APP: qemu_threads(APP), VAULT: qemu_threads(VAULT)}
    assert any(t.name.startswith("CPU 0/") for t in threads[VAULT]), threads[VAULT]
    assert thread_problems(APP, threads[APP], frozenset({0})) == []
    assert thread_problems(VAULT, threads[VAULT], frozenset({1})) == []
    assert {c for t in threads[APP] for c in t.cpus} == {0}
    assert {c for t in threads[VAULT] for c in t.cpus} == {1}

    # The suite users run says the same.
    path = tmp_path / "pillar.sls"
    path.write_text(yaml.safe_dump({"bulkhead": pillar_data()}))
    env = {**os.environ, "PYTEST_ADDOPTS": "-k qemu_threads_stay_in_their_partition"}
    run = subprocess.run([sys.executable, "-c", "from saltext.bulkhead.cli import main; main()",
                          "verify", "--pillar", str(path)], capture_output=True, text=True,
                         env=env, timeout=600, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "PASS  host_cpu_partitions: qemu_threads_stay_in_their_partition" in run.stdout
