"""The part of Debian's Python the guest programs need: found by running them, not by guessing.

The extracted ``python3.11`` (from the downloaded debs, so exactly what the guest gets) runs
closure_probe.py: it imports every module of GUEST_MODULES and exercises them (a file copy round
trip, an updates-proxy request, a subprocess), then reports every module file it loaded. Only
those files go into the image, with their shared libraries; a module that is needed but missing
from the debs fails the build instead of failing in the guest.
"""

from __future__ import annotations

import json
import subprocess
from importlib import resources
from pathlib import Path

PYTHON = "usr/bin/python3.11"
STDLIB = "usr/lib/python3.11"
GUEST_PYTHONPATH = "usr/lib/bulkhead/python"
# The library modules the guest runs (saltext/bulkhead/...): the guest programs, the RPC wire
# protocol and file copy.
GUEST_MODULES = (
    "__init__.py",
    "guest/__init__.py",
    "guest/daemon.py",
    "guest/client.py",
    "guest/filecopy_service.py",
    "guest/updates_proxy.py",
    "guest/updates_forwarder.py",
    "rpcwire/__init__.py",
    "rpcwire/frames.py",
    "rpcwire/messages.py",
    "filecopy/__init__.py",
    "filecopy/errors.py",
    "filecopy/limits.py",
    "filecopy/names.py",
    "filecopy/place.py",
    "filecopy/reader.py",
    "filecopy/receive.py",
    "filecopy/send.py",
    "filecopy/staging.py",
    "filecopy/wire.py",
    "untrusted/__init__.py",
    "untrusted/json_value.py",
)

# Imported only optionally by the standard library (hashlib falls back to its built-in hashes,
# shutil does without bz2/lzma archives); blocked in the probe, so it proves the guest code runs
# without them, and left out of the image (_hashlib alone would pull in libcrypto, 4.5 MB).
BLOCKED = ("_hashlib", "_bz2", "_lzma")


def guest_module_names() -> list[str]:
    """GUEST_MODULES as module names (``guest/daemon.py`` is ``saltext.bulkhead.guest.daemon``)."""
    names = []
    for rel in GUEST_MODULES:
        parts = rel.removesuffix(".py").split("/")
        names.append(".".join(["saltext", "bulkhead", *parts[:-1]]
                              + ([] if parts[-1] == "__init__" else parts[-1:])))
    return names


def probe_loaded(extracted: Path, pyroot: Path) -> list[Path]:
    """Every module file the probe (closure_probe.py) loaded, run by the extracted Python on the
    guest modules in ``pyroot``: all of GUEST_MODULES is imported, or this raises."""
    probe = (resources.files(__package__) / "closure_probe.py").read_text(encoding="utf-8")
    out = subprocess.run([str(extracted / PYTHON), "-I", "-S", "-c", probe, str(pyroot),
                          json.dumps(guest_module_names()), *BLOCKED],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"the guest Python modules do not run on the extracted Python:\n"
                           f"{out.stderr}{out.stdout}")
    loaded = [Path(name).resolve() for name in json.loads(out.stdout)]
    guest = pyroot.resolve() / "saltext/bulkhead"
    unloaded = sorted(set(GUEST_MODULES) - {str(p.relative_to(guest)) for p in loaded
                                            if p.is_relative_to(guest)})
    if unloaded:
        raise RuntimeError(f"the probe did not import the guest modules {unloaded}")
    return loaded


def guest_python_files(extracted: Path, pyroot: Path) -> list[str]:
    """Paths relative to ``extracted`` of every standard-library file the guest code loaded."""
    stdlib = (extracted / STDLIB).resolve()
    needed = []
    for path in probe_loaded(extracted, pyroot):
        if path.is_relative_to(pyroot.resolve()):
            continue
        if not path.is_relative_to(stdlib):
            raise RuntimeError(
                f"the guest code loaded {path}, which is outside the Python packages"
            )
        needed.append(str(path.relative_to(extracted.resolve())))
    return sorted(needed)


def compile_tree(python: Path, *directories: Path, strip: Path) -> None:
    """Byte-compile with unchecked hashes: the read-only guest root never recompiles, and
    file times in the image do not matter."""
    subprocess.run(
        [
            str(python),
            "-I",
            "-S",
            "-m",
            "compileall",
            "-q",
            "--invalidation-mode",
            "unchecked-hash",
            "-s",
            str(strip),
            "-p",
            "/",
            *map(str, directories),
        ],
        check=True,
        capture_output=True,
    )
