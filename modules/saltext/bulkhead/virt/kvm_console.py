"""Judge a probe boot from its serial console: did the kernel really run under KVM?

The kernel is booted with no initrd and no root, so a kernel that runs prints its banner, goes
on through early setup and finally panics because it cannot mount root. Seeing the banner and
then a line that only comes after real progress (memory set up, FPU probed, delay loop
calibrated) proves the vCPU executes ordinary kernel code. Anything else is a failure: QEMU
refusing to start, the guest resetting (triple fault) before the kernel prints, or hanging; on
broken nested KVM Linux hangs right after its decompressor.

"Invalid physical address chosen!" alone is not a failure: the decompressor prints it whenever
KASLR finds no suitable region in a small guest and then boots at the default address.
"""

from __future__ import annotations

from dataclasses import dataclass

BANNER = "Linux version"
# Lines the kernel prints only after it has run well past its entry point.
PROGRESS_MARKERS = ("Memory:", "x86/fpu:", "Calibrating delay loop", "VFS: Unable to mount root")
DECOMPRESSOR_LINES = ("Decompressing Linux", "Invalid physical address chosen!",
                      "Physical KASLR disabled", "Parsing ELF", "Booting the kernel")


@dataclass(frozen=True)
class BootVerdict:
    """Whether a KVM guest kernel made real progress, and why we think so."""

    runs: bool
    reason: str


def kernel_progressed(text: str) -> str | None:
    """The first progress marker printed after the kernel banner, or None."""
    start = text.find(BANNER)
    if start < 0:
        return None
    after = text[start:]
    found = [(after.find(m), m) for m in PROGRESS_MARKERS if m in after]
    return min(found)[1] if found else None


def _last_line(text: str, candidates: tuple[str, ...]) -> str | None:
    lines = [line.strip() for line in text.splitlines() if any(c in line for c in candidates)]
    return lines[-1] if lines else None


def _first_error(text: str) -> str | None:
    # QEMU's first error names the cause; an assertion or abort that follows only echoes it.
    return next((line.strip() for line in text.splitlines() if "error" in line.lower()), None)


def _without_warnings(text: str) -> str:
    # QEMU warns about CPUID bits the host lacks; the line that explains an exit comes elsewhere.
    return "\n".join(line for line in text.splitlines() if ": warning: " not in line)


def console_verdict(text: str, *, exit_status: int | None, seconds: float) -> BootVerdict:
    """Verdict from everything QEMU printed; ``exit_status`` None means it was still running.

    ``text`` holds QEMU's own messages (stderr) and the guest's serial console together.
    """
    marker = kernel_progressed(text)
    if marker is not None:
        return BootVerdict(
            True, f"guest kernel booted under KVM (printed {marker!r}) in {seconds:.1f} s"
        )
    banner = BANNER in text
    decompressor = _last_line(text, DECOMPRESSOR_LINES)
    if exit_status is None:
        if banner:
            return BootVerdict(
                False, f"guest kernel started but made no progress within {seconds:.0f} s"
            )
        if decompressor is not None:
            return BootVerdict(
                False,
                f"guest hung in the kernel decompressor (last: {decompressor!r}) "
                f"for {seconds:.0f} s",
            )
        return BootVerdict(False, f"guest printed no kernel output within {seconds:.0f} s")
    if exit_status != 0:
        messages = _without_warnings(text)
        qemu_error = _first_error(messages) or _last_line(messages, ("qemu",))
        return BootVerdict(False, f"QEMU exited with status {exit_status}"
                                  + (f": {qemu_error}" if qemu_error else ""))
    # QEMU runs with -no-reboot, so a clean exit before progress is a guest reset.
    where = (
        "after its banner"
        if banner
        else ("in the decompressor" if decompressor else "before the kernel printed")
    )
    return BootVerdict(False, f"guest reset {where} after {seconds:.1f} s (triple fault?)")
