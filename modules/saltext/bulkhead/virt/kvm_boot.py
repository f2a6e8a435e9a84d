"""Boot a real kernel under ``qemu -accel kvm`` for a few seconds and judge its console.

The ioctl probe (``kvm_probe``) cannot see every broken KVM: under some nested setups a vCPU
runs a ``hlt`` fine while Linux hangs in its decompressor. Booting the template's own kernel with
the emulator libvirt would use is the cheapest test that matches what real guests do. The probe
stops as soon as the kernel shows progress, so a working KVM costs well under a second; a broken
one costs the timeout once, then the cached verdict is reused.

The probe touches nothing but a child QEMU process (no libvirt calls, no disks, no network), so it
may run under ``test=True``.
"""

from __future__ import annotations

import os
import select
import subprocess
import time

from .kvm_console import BootVerdict, console_verdict, kernel_progressed

BOOT_TIMEOUT_S = 10.0
# 64 MiB is too little for a distribution kernel to decompress into (it resets even under TCG).
BOOT_MEMORY_MIB = 128
MAX_CONSOLE_BYTES = 256 * 1024


def boot_command(emulator: str, kernel: str, accel: str = "kvm") -> list[str]:
    # ``accel`` is kvm for the probe; tcg lets tests check the judging on any host.
    # No -cpu: libvirt gives bulkhead's domains (which have no <cpu> element) QEMU's default
    # model, and the probe must exercise the CPU the guests get.
    return [emulator, "-accel", accel, "-m", str(BOOT_MEMORY_MIB), "-nodefaults", "-no-user-config",
            "-display", "none", "-no-reboot", "-serial", "stdio", "-kernel", kernel,
            "-append", "console=ttyS0 earlyprintk=serial panic=-1"]


def _read_until_progress(proc: subprocess.Popen[bytes], deadline: float) -> tuple[bytes, bool]:
    """Console bytes until the kernel shows progress, QEMU exits, or the deadline passes.

    The flag says whether output ended because QEMU closed its end (it is exiting).
    """
    assert proc.stdout is not None
    out = bytearray()
    fd = proc.stdout.fileno()
    while (remaining := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            return bytes(out), True
        out += chunk[: MAX_CONSOLE_BYTES - len(out)]
        if kernel_progressed(out.decode(errors="replace")) or len(out) >= MAX_CONSOLE_BYTES:
            break
    return bytes(out), False


def _exit_status(proc: subprocess.Popen[bytes], exiting: bool) -> int | None:
    """QEMU's exit status, or None while it is still running (a hang or a kernel that runs on)."""
    if exiting:
        try:
            return proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            return None
    return proc.poll()


def boot_probe(
    emulator: str, kernel: str, timeout: float = BOOT_TIMEOUT_S, accel: str = "kvm"
) -> BootVerdict:
    """Boot ``kernel`` with ``emulator`` under ``accel`` and say whether it really ran."""
    started = time.monotonic()
    try:
        proc = subprocess.Popen(boot_command(emulator, kernel, accel), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except OSError as exc:
        return BootVerdict(False, f"cannot run {emulator}: {exc}")
    try:
        raw, exiting = _read_until_progress(proc, started + timeout)
        status = _exit_status(proc, exiting)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()
    return console_verdict(raw.decode(errors="replace"), exit_status=status,
                           seconds=time.monotonic() - started)
