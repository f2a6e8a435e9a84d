"""Find the shared libraries an ELF executable needs (its ``DT_NEEDED`` closure).

Reads the dynamic section directly instead of running ldd, so nothing from the image is executed
on the host. Only 64-bit little-endian ELF is handled: the guest is amd64, like the host.
A library loaded with dlopen is not in any ``DT_NEEDED``; the ones we know a library to load are
listed in ``DLOPENED`` and join the closure with it.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path

PT_DYNAMIC = 2
PT_INTERP = 3
PT_LOAD = 1
DT_NEEDED = 1
DT_STRTAB = 5
# soname -> what it dlopens at run time. glibc loads libgcc_s (Debian: libgcc-s1) to unwind a
# thread that ends by pthread_exit or cancellation, e.g. a Python daemon thread at interpreter
# exit; without it the process aborts ("libgcc_s.so.1 must be installed for pthread_exit").
DLOPENED = {"libc.so.6": ("libgcc_s.so.1",)}


class ElfError(ValueError):
    """Not an ELF64 little-endian file, or a malformed one."""


def _vaddr_to_offset(loads: list[tuple[int, int, int]], vaddr: int) -> int:
    for offset, start, size in loads:
        if start <= vaddr < start + size:
            return offset + vaddr - start
    raise ElfError(f"address {vaddr:#x} is not in any loaded segment")


def _cstring(blob: bytes, offset: int) -> str:
    end = blob.find(b"\0", offset)
    if end < 0:
        raise ElfError("unterminated string")
    return blob[offset:end].decode()


def needed_and_interp(blob: bytes) -> tuple[list[str], str | None]:
    """The ``DT_NEEDED`` sonames and the program interpreter (``PT_INTERP``) of an ELF image."""
    if blob[:4] != b"\x7fELF" or blob[4] != 2 or blob[5] != 1:
        raise ElfError("not a 64-bit little-endian ELF file")
    phoff, = struct.unpack_from("<Q", blob, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", blob, 0x36)
    loads: list[tuple[int, int, int]] = []
    dynamic: tuple[int, int] | None = None
    interp: str | None = None
    for i in range(phnum):
        ptype, _flags, offset, vaddr, _paddr, filesz = struct.unpack_from(
            "<IIQQQQ", blob, phoff + i * phentsize
        )
        if ptype == PT_LOAD:
            loads.append((offset, vaddr, filesz))
        elif ptype == PT_DYNAMIC:
            dynamic = (offset, filesz)
        elif ptype == PT_INTERP:
            interp = _cstring(blob, offset)
    if dynamic is None:
        return [], interp
    entries = [
        struct.unpack_from("<qQ", blob, dynamic[0] + 16 * i) for i in range(dynamic[1] // 16)
    ]
    strtab = next((value for tag, value in entries if tag == DT_STRTAB), None)
    if strtab is None:
        raise ElfError("dynamic section without a string table")
    strtab_off = _vaddr_to_offset(loads, strtab)
    needed = [_cstring(blob, strtab_off + value) for tag, value in entries if tag == DT_NEEDED]
    return needed, interp


def library_closure(
    executable: Path, search_dirs: Sequence[Path]
) -> tuple[list[Path], Path | None]:
    """All libraries ``executable`` loads (needed or known to be dlopened), found in
    ``search_dirs`` (first hit wins), plus its interpreter resolved the same way. Raises
    FileNotFoundError naming the missing soname."""
    found: dict[str, Path] = {}
    pending = [executable]
    interp_path: Path | None = None
    while pending:
        current = pending.pop()
        needed, interp = needed_and_interp(current.read_bytes())
        if interp and interp_path is None:
            interp_path = _locate(Path(interp).name, search_dirs)
        for soname in [*needed, *DLOPENED.get(current.name, ())]:
            if soname in found:
                continue
            found[soname] = _locate(soname, search_dirs)
            pending.append(found[soname])
    return [found[name] for name in sorted(found)], interp_path


def _locate(soname: str, search_dirs: Sequence[Path]) -> Path:
    for directory in search_dirs:
        candidate = directory / soname
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"shared library {soname} not found in {[str(d) for d in search_dirs]}")
