"""Does KVM really run a guest here? Run as a child process: ``python -m ...virt.kvm_probe``.

``/dev/kvm`` existing is not enough: under nested virtualisation KVM_RUN can hang forever. This
probe creates a VM with one vCPU in real mode whose only instruction is ``hlt`` and expects
KVM_EXIT_HLT. The parent runs it with a timeout and kills it if it hangs. Exit status 0 means
usable; anything else (including being killed) means fall back to TCG.
"""

from __future__ import annotations

import ctypes
import fcntl
import mmap
import os
import struct
import sys

# ioctl numbers from <linux/kvm.h> (x86): _IO/_IOW/_IOR(0xAE, nr[, size]).
KVM_GET_API_VERSION = 0xAE00
KVM_CREATE_VM = 0xAE01
KVM_GET_VCPU_MMAP_SIZE = 0xAE04
KVM_CREATE_VCPU = 0xAE41
KVM_SET_USER_MEMORY_REGION = 0x4020AE46
KVM_SET_REGS = 0x4090AE82
KVM_GET_SREGS = 0x8138AE83
KVM_SET_SREGS = 0x4138AE84
KVM_RUN = 0xAE80
KVM_EXIT_HLT = 5
KVM_API_VERSION = 12

MEM_SIZE = 0x10000
PML4, PDPT, PD = 0x1000, 0x2000, 0x3000
GUEST_ADDR = 0x4000
HLT = b"\xf4"
SREGS_SIZE = 312
REGS_SIZE = 144


def _segment(sregs: bytearray, index: int, selector: int, seg_type: int, long_mode: bool) -> None:
    # struct kvm_segment: u64 base, u32 limit, u16 selector, u8 type, present, dpl, db, s, l, g, ...
    flat = (0, 0xFFFFFFFF, selector, seg_type, 1, 0, 0 if long_mode else 1, 1, int(long_mode), 1)
    struct.pack_into("=QIHBBBBBBB", sregs, index * 24, *flat)


def _long_mode(sregs: bytearray, mem: mmap.mmap) -> None:
    """Identity-map the first 2 MiB with one large page and enter 64-bit mode directly."""
    struct.pack_into("=Q", mem, PML4, PDPT | 0x7)
    struct.pack_into("=Q", mem, PDPT, PD | 0x7)
    struct.pack_into("=Q", mem, PD, 0x87)  # present, writable, user, 2 MiB page
    _segment(sregs, 0, 0x08, 11, True)  # cs: execute/read, L=1
    for index in range(1, 6):  # ds es fs gs ss
        _segment(sregs, index, 0x10, 3, False)
    # kvm_sregs after 8 segments and 2 descriptor tables: cr0 cr2 cr3 cr4 cr8 efer
    struct.pack_into("=Q", sregs, 224, 0x80050033)  # PG | AM | WP | NE | ET | MP | PE
    struct.pack_into("=Q", sregs, 240, PML4)
    struct.pack_into("=Q", sregs, 248, 1 << 5)  # PAE
    struct.pack_into("=Q", sregs, 264, 0x500)  # EFER.LME | EFER.LMA


def _real_mode(sregs: bytearray) -> None:
    struct.pack_into("=Q", sregs, 0, 0)  # cs.base
    struct.pack_into("=H", sregs, 12, 0)  # cs.selector


def probe(device: str = "/dev/kvm", long_mode: bool = False) -> int:
    """Return the vCPU exit reason of a guest whose only instruction is ``hlt`` (5 = HLT)."""
    kvm = os.open(device, os.O_RDWR | os.O_CLOEXEC)
    if fcntl.ioctl(kvm, KVM_GET_API_VERSION) != KVM_API_VERSION:
        return -1
    vm = fcntl.ioctl(kvm, KVM_CREATE_VM, 0)
    guest_mem = mmap.mmap(-1, MEM_SIZE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    guest_mem[GUEST_ADDR : GUEST_ADDR + len(HLT)] = HLT
    host_addr = ctypes.addressof(ctypes.c_char.from_buffer(guest_mem))
    region = struct.pack("=IIQQQ", 0, 0, 0, MEM_SIZE, host_addr)
    fcntl.ioctl(vm, KVM_SET_USER_MEMORY_REGION, region)
    vcpu = fcntl.ioctl(vm, KVM_CREATE_VCPU, 0)
    run_size = fcntl.ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0)
    run = mmap.mmap(vcpu, run_size, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE)

    sregs = bytearray(fcntl.ioctl(vcpu, KVM_GET_SREGS, bytes(SREGS_SIZE)))
    if long_mode:
        _long_mode(sregs, guest_mem)
    else:
        _real_mode(sregs)
    fcntl.ioctl(vcpu, KVM_SET_SREGS, bytes(sregs))
    regs = bytearray(REGS_SIZE)
    struct.pack_into("=QQ", regs, 16 * 8, GUEST_ADDR, 0x2)  # rip, rflags (bit 1 is reserved-1)
    fcntl.ioctl(vcpu, KVM_SET_REGS, bytes(regs))

    fcntl.ioctl(vcpu, KVM_RUN, 0)
    return struct.unpack_from("=I", run, 8)[0]  # struct kvm_run: 8 bytes of flags, u32 exit_reason


def main() -> int:
    try:
        device = sys.argv[1] if len(sys.argv) > 1 else "/dev/kvm"
        # Real mode first (the basic ioctl path), then 64-bit paging, where nested setups that
        # pass the first test have been seen to hang the way a booting kernel does.
        reason = probe(device)
        if reason == KVM_EXIT_HLT:
            reason = probe(device, long_mode=True)
    except OSError as exc:
        print(f"kvm unusable: {exc}", file=sys.stderr)
        return 2
    if reason != KVM_EXIT_HLT:
        print(f"kvm unusable: exit reason {reason}, expected {KVM_EXIT_HLT} (HLT)", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
