"""The KVM boot probe behind ``domain_type: auto``: which kernel and emulator it uses, its verdict
cache, and (integration) real QEMU boots of the guest image's kernel."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.virt import BulkheadVirtError, connect, hypervisor, kvm_verdict_cache, resolve
from saltext.bulkhead.virt.hypervisor import boot_verdict, emulator_for, kvm_usable, probe_kernel
from saltext.bulkhead.virt.kvm_boot import boot_probe
from saltext.bulkhead.virt.kvm_console import BootVerdict
from saltext.bulkhead.virt.kvm_verdict_cache import (
    MAX_ENTRIES,
    cached_verdict,
    ioctl_key,
    store_verdict,
    verdict_key,
)
from tests.guests import IMG, URI

from .virt_fixtures import node_file, pillar_data

QEMU = shutil.which("qemu-system-x86_64")
KERNEL = IMG / "vmlinuz"
needs_qemu = pytest.mark.skipif(QEMU is None, reason="qemu-system-x86_64 is not installed")
needs_kernel = pytest.mark.skipif(not KERNEL.exists() or QEMU is None,
                                  reason=f"no qemu-system-x86_64 or no guest kernel at {KERNEL}")


def test_probe_kernel_prefers_a_template_and_is_none_without_kernel_images(tmp_path) -> None:
    data = pillar_data(str(tmp_path / "pool"))
    data["domains"]["aaa-standalone"] = {
        "class": "standalone",
        "netvm": "none",
        "image": {
            "kind": "kernel",
            "root": "/srv/a/root.img",
            "kernel": "/srv/a/vmlinuz",
            "initrd": "/srv/a/initrd",
        },
    }
    assert probe_kernel(load_pillar(data)) == f"{IMG}/vmlinuz"
    del data["domains"]["tpl"]["image"]
    data["domains"]["tpl"]["image"] = {"kind": "disk", "root": "/srv/disk.qcow2"}
    assert probe_kernel(load_pillar(data)) == "/srv/a/vmlinuz"  # no template boots a kernel
    del data["domains"]["aaa-standalone"]
    assert probe_kernel(load_pillar(data)) is None


def test_emulator_comes_from_the_capabilities_per_domain_type(tmp_path) -> None:
    with connect(node_file(tmp_path)) as conn:
        caps = conn.getCapabilities()
    assert emulator_for(caps, "i686", "test") == "/usr/bin/test-hv"
    assert emulator_for(caps, "x86_64", "kvm") is None
    override = """<capabilities><guest><os_type>hvm</os_type><arch name='x86_64'>
      <emulator>/usr/bin/qemu-system-x86_64</emulator><domain type='qemu'/>
      <domain type='kvm'><emulator>/usr/libexec/qemu-kvm</emulator></domain></arch></guest>
      </capabilities>"""
    assert emulator_for(override, "x86_64", "kvm") == "/usr/libexec/qemu-kvm"
    assert emulator_for(override, "x86_64", "qemu") == "/usr/bin/qemu-system-x86_64"


def test_auto_on_a_connection_without_kvm_never_probes(tmp_path) -> None:
    def must_not_run() -> bool:
        raise AssertionError("the KVM probe ran although the connection offers no kvm")

    with connect(node_file(tmp_path)) as conn:
        assert resolve(conn, "auto", kernel=str(KERNEL), kvm_check=must_not_run) == "test"


def test_cache_round_trip_keeps_the_newest_entries(tmp_path) -> None:
    path = tmp_path / "run" / "kvm-verdict.json"
    assert cached_verdict("k0", path) is None
    for index in range(MAX_ENTRIES + 2):
        store_verdict(f"k{index}", BootVerdict(index % 2 == 0, f"reason {index}"), path)
    assert cached_verdict("k0", path) is None and cached_verdict("k1", path) is None
    assert cached_verdict("k2", path) == BootVerdict(True, "reason 2")
    store_verdict("k2", BootVerdict(False, "probed again"), path)  # replacing moves it to newest
    assert list(json.loads(path.read_text())["verdicts"])[-1] == "k2"
    assert cached_verdict("k2", path) == BootVerdict(False, "probed again")
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left


@pytest.mark.parametrize("content", ["{not json", "[]", '{"verdicts": []}',
                                     '{"verdicts": {"k": {"runs": "yes", "reason": "r"}}}'])
def test_a_cache_file_of_the_wrong_shape_is_ignored(tmp_path, content: str) -> None:
    path = tmp_path / "kvm-verdict.json"
    path.write_text(content)
    assert cached_verdict("k", path) is None
    store_verdict("k", BootVerdict(True, "fresh"), path)
    assert cached_verdict("k", path) == BootVerdict(True, "fresh")


@pytest.fixture
def cache_file(tmp_path, monkeypatch) -> Path:
    """The verdict cache at a path of the test's own (never the host's)."""
    path = tmp_path / "run" / "kvm-verdict.json"
    monkeypatch.setattr(kvm_verdict_cache, "CACHE_PATH", path)
    return path


def test_verdict_key_follows_kernel_content_the_emulator_file_and_the_device_node(
        tmp_path, cache_file) -> None:
    kernel, emulator, device = tmp_path / "vmlinuz", tmp_path / "qemu", tmp_path / "kvm"
    kernel.write_bytes(b"one")
    emulator.write_bytes(b"qemu 1")
    keys = [verdict_key(str(kernel), str(emulator), str(device))]  # no device
    device.touch()
    keys.append(verdict_key(str(kernel), str(emulator), str(device)))
    kernel.write_bytes(b"two")  # rewritten in place: the same inode, another size and times
    keys.append(verdict_key(str(kernel), str(emulator), str(device)))
    replacement = tmp_path / "new-qemu"
    replacement.write_bytes(b"qemu 1")  # the same bytes, another file (a package upgrade)
    replacement.replace(emulator)
    keys.append(verdict_key(str(kernel), str(emulator), str(device)))
    assert len(set(keys)) == 4
    copy = tmp_path / "copy-of-vmlinuz"  # another file, the same kernel: the same verdict
    copy.write_bytes(b"two")
    assert verdict_key(str(copy), str(emulator), str(device)) == keys[-1]
    assert ioctl_key(str(device)) != ioctl_key(str(tmp_path / "none"))
    device.chmod(0o660)  # a node's group and mode set again (start-libvirt.sh): the same node
    assert verdict_key(str(kernel), str(emulator), str(device)) == keys[-1]
    for missing in ((tmp_path / "missing", emulator), (kernel, tmp_path / "missing")):
        with pytest.raises(OSError):
            verdict_key(str(missing[0]), str(missing[1]), str(device))


def test_a_kernel_is_hashed_once_per_file(tmp_path, cache_file, monkeypatch) -> None:
    kernel = tmp_path / "vmlinuz"
    kernel.write_bytes(b"kernel")
    hashed: list[str] = []
    real = kvm_verdict_cache.file_sha256
    monkeypatch.setattr(kvm_verdict_cache, "file_sha256",
                        lambda path: hashed.append(path) or real(path))
    first = kvm_verdict_cache.kernel_sha256(str(kernel))
    assert kvm_verdict_cache.kernel_sha256(str(kernel)) == first == real(str(kernel))
    assert hashed == [str(kernel)]
    (key,) = json.loads(cache_file.read_text())["kernel-sha256"]
    cache_file.write_text(json.dumps({"kernel-sha256": {key: "not a digest"}}))  # hashed again
    assert kvm_verdict_cache.kernel_sha256(str(kernel)) == first and len(hashed) == 2


def test_a_cached_verdict_spares_both_probes(tmp_path, cache_file, monkeypatch) -> None:
    # auto asks at every run: a new process (salt-call, a minion's job) must not pay the ioctl
    # probe's child process (a Python start-up) or a boot, only a few stats and the cache.
    kernel, emulator = tmp_path / "vmlinuz", tmp_path / "qemu"
    kernel.write_bytes(b"k")
    emulator.write_bytes(b"e")
    probes: list[str] = []
    monkeypatch.setattr(hypervisor, "kvm_usable",
                        lambda device="/dev/kvm": probes.append("ioctl") or True)
    monkeypatch.setattr(hypervisor, "boot_probe",
                        lambda emu, kern: probes.append("boot") or BootVerdict(False, "hung"))
    assert hypervisor.kvm_runs_guests(str(emulator), str(kernel)) is False
    assert hypervisor.kvm_runs_guests(str(emulator), str(kernel)) is False
    assert probes == ["ioctl", "boot"]
    kernel.write_bytes(b"another kernel")  # a rebuilt image: booted again, the ioctl kept
    assert hypervisor.kvm_runs_guests(str(emulator), str(kernel)) is False
    assert probes == ["ioctl", "boot", "boot"]
    assert cache_file.exists()


def test_the_cache_file_is_parsed_once_per_version_of_it(tmp_path, cache_file,
                                                        monkeypatch) -> None:
    # A run asks it three times (the ioctl verdict, the kernel's digest, the boot verdict).
    kernel, emulator = tmp_path / "vmlinuz", tmp_path / "qemu"
    kernel.write_bytes(b"k")
    emulator.write_bytes(b"e")
    monkeypatch.setattr(hypervisor, "kvm_usable", lambda device="/dev/kvm": True)
    monkeypatch.setattr(hypervisor, "boot_probe", lambda emu, kern: BootVerdict(True, "booted"))
    assert hypervisor.kvm_runs_guests(str(emulator), str(kernel)) is True  # probed and stored
    parsed: list[bytes] = []
    loads = json.loads
    monkeypatch.setattr(kvm_verdict_cache.json, "loads",
                        lambda text: parsed.append(text) or loads(text))
    assert hypervisor.kvm_runs_guests(str(emulator), str(kernel)) is True
    assert hypervisor.kvm_runs_guests(str(emulator), str(kernel)) is True
    assert len(parsed) <= 1
    data = json.loads(cache_file.read_text())
    data["verdicts"] = {k: {"runs": False, "reason": "edited"} for k in data["verdicts"]}
    cache_file.write_text(json.dumps(data))  # rewritten in place: read again
    assert hypervisor.kvm_runs_guests(str(emulator), str(kernel)) is False


@pytest.mark.integration
@needs_kernel
def test_the_image_kernel_is_judged_running_under_tcg() -> None:
    # The same judging as the KVM probe, on an accelerator that works everywhere: the probe must
    # recognise a real kernel's progress (and stop there instead of waiting for the timeout).
    verdict = boot_probe(QEMU, str(KERNEL), timeout=30, accel="tcg")
    assert verdict.runs, verdict.reason


@pytest.mark.integration
@needs_kernel
def test_a_kernel_without_progress_in_time_is_judged_not_running() -> None:
    verdict = boot_probe(QEMU, str(KERNEL), timeout=0.05, accel="tcg")
    assert not verdict.runs
    assert "within 0 s" in verdict.reason


@pytest.mark.integration
@needs_qemu
def test_qemu_refusing_to_boot_is_judged_not_running(tmp_path) -> None:
    verdict = boot_probe(QEMU, str(tmp_path / "no-such-kernel"), accel="tcg")
    assert not verdict.runs
    assert "could not open kernel file" in verdict.reason


@pytest.fixture
def system_conn() -> Iterator[Any]:
    # Pytest never throws a test's failure into the fixture, so only connecting can raise here.
    try:
        with connect(URI) as conn:
            yield conn
    except BulkheadVirtError as exc:
        pytest.skip(f"qemu:///system not reachable: {exc}")


@pytest.mark.integration
@needs_kernel
def test_auto_on_the_real_host_follows_both_probes(system_conn: Any) -> None:
    # Costs one boot probe (at most ~10 s) per kernel, QEMU build and boot of the host; afterwards
    # the verdict comes from /run/bulkhead/kvm-verdict.json.
    chosen = resolve(system_conn, "auto", kernel=str(KERNEL))
    expected = "kvm" if kvm_usable() and boot_verdict(QEMU, str(KERNEL)).runs else "qemu"
    assert chosen == expected
