"""Judging a KVM probe boot from console text captured on real hosts (kvm_console/*.txt)."""

from __future__ import annotations

from pathlib import Path

import pytest

from saltext.bulkhead.virt.kvm_console import console_verdict, kernel_progressed

CAPTURED = Path(__file__).parent / "kvm_console"


def captured(name: str) -> str:
    return (CAPTURED / name).read_bytes().decode(errors="replace")


def test_a_kernel_that_reaches_early_setup_runs() -> None:
    # Captured under TCG: the decompressor's KASLR complaint comes first and is harmless.
    text = captured("tcg-boot-to-calibrate.txt")
    assert "Invalid physical address chosen!" in text
    verdict = console_verdict(text, exit_status=None, seconds=0.6)
    assert verdict.runs
    assert "'Memory:'" in verdict.reason  # the earliest marker after the banner


def test_the_root_panic_after_the_banner_is_success() -> None:
    text = captured("tcg-boot-to-calibrate.txt").split("\n")[:20]
    banner_only = "\n".join(line for line in text if "Memory:" not in line)
    assert kernel_progressed(banner_only) is None
    panicked = (
        banner_only
        + "\n[    1.349990] Kernel panic - not syncing: "
        + "VFS: Unable to mount root fs on unknown-block(0,0)\n"
    )
    assert console_verdict(panicked, exit_status=0, seconds=1.4).runs


def test_the_banner_alone_is_not_progress() -> None:
    banner = next(
        line
        for line in captured("tcg-boot-to-calibrate.txt").splitlines()
        if "Linux version" in line
    )
    verdict = console_verdict(banner, exit_status=None, seconds=10)
    assert not verdict.runs
    assert "started but made no progress" in verdict.reason


def test_progress_markers_before_the_banner_do_not_count() -> None:
    # Firmware or the decompressor printing a marker-like word must not pass for a running kernel.
    text = "Memory: 640K OK\nx86/fpu: probing\nLinux version 6.1.0\n"
    assert kernel_progressed(text) is None
    assert not console_verdict(text, exit_status=None, seconds=10).runs


def test_the_nested_kvm_decompressor_hang_is_detected() -> None:
    verdict = console_verdict(
        captured("kvm-nested-decompressor-hang.txt"), exit_status=None, seconds=10
    )
    assert not verdict.runs
    assert "hung in the kernel decompressor" in verdict.reason
    assert "Physical KASLR disabled" in verdict.reason


def test_a_reset_before_the_kernel_prints_is_failure() -> None:
    # -no-reboot turns the guest's reset into a clean QEMU exit (status 0).
    verdict = console_verdict(captured("kvm-64mib-reset.txt"), exit_status=0, seconds=3.4)
    assert not verdict.runs
    assert "guest reset before the kernel printed" in verdict.reason


def test_qemu_failing_names_its_first_error() -> None:
    verdict = console_verdict(captured("kvm-cpu-host-msr-abort.txt"), exit_status=-6, seconds=0.03)
    assert not verdict.runs
    assert (
        verdict.reason
        == "QEMU exited with status -6: qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69"
    )


@pytest.mark.parametrize("status", [None, 0, 1])
def test_no_output_at_all_is_failure(status: int | None) -> None:
    assert not console_verdict("", exit_status=status, seconds=10).runs


def test_a_missing_kernel_file_is_reported_past_cpuid_warnings() -> None:
    text = (
        "qemu-system-x86_64: warning: host doesn't support requested feature: CPUID.01H:ECX.pni "
        "[bit 0]\n"
        "qemu: could not open kernel file '/nonexistent': No such file or directory\n"
    )
    verdict = console_verdict(text, exit_status=1, seconds=0.1)
    assert verdict.reason.endswith(
        "qemu: could not open kernel file '/nonexistent': No such file or directory"
    )
