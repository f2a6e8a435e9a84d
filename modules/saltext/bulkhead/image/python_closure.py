"""The part of Debian's Python the guest programs need: found by running them, not by guessing.

The extracted ``python3.11`` (from the downloaded debs, so exactly what the guest gets) imports
the guest modules and exercises them (a file copy round trip, a subprocess), then reports every
module file it loaded. Only those files go into the image, with their shared libraries; a module
that is needed but missing from the debs fails the build instead of failing in the guest.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

PYTHON = "usr/bin/python3.11"
STDLIB = "usr/lib/python3.11"
GUEST_PYTHONPATH = "usr/lib/bulkhead/python"
# The library modules the guest runs (saltext/bulkhead/...): the guest programs, the RPC wire
# protocol and file copy.
GUEST_MODULES = ("__init__.py", "guest/__init__.py", "guest/daemon.py", "guest/client.py",
                 "guest/filecopy_service.py", "guest/updates_proxy.py",
                 "guest/updates_forwarder.py", "rpcwire/__init__.py", "rpcwire/frames.py",
                 "rpcwire/messages.py", "filecopy/__init__.py", "filecopy/errors.py",
                 "filecopy/limits.py", "filecopy/names.py", "filecopy/place.py", "filecopy/reader.py",
                 "filecopy/receive.py", "filecopy/send.py", "filecopy/staging.py", "filecopy/wire.py",
                 "untrusted/__init__.py", "untrusted/json_value.py")

# Imported only optionally by the standard library (hashlib falls back to its built-in hashes,
# shutil does without bz2/lzma archives); blocked in the probe, so it proves the guest code runs
# without them, and left out of the image (_hashlib alone would pull in libcrypto, 4.5 MB).
BLOCKED = ("_hashlib", "_bz2", "_lzma")

_PROBE = r"""
import sys
for blocked in sys.argv[2:]:
    sys.modules[blocked] = None  # makes "import blocked" raise ImportError
import json, os, subprocess, tempfile
sys.path.insert(0, sys.argv[1])
import saltext.bulkhead.guest.daemon, saltext.bulkhead.guest.client
import saltext.bulkhead.guest.filecopy_service
import saltext.bulkhead.guest.updates_proxy, saltext.bulkhead.guest.updates_forwarder
from saltext.bulkhead.filecopy import receive, send
with tempfile.TemporaryDirectory() as tmp:
    os.mkdir(tmp + "/src"); os.mkdir(tmp + "/in")
    with open(tmp + "/src/f", "wb") as f:
        f.write(b"x" * 100000)
    receive(send([tmp + "/src"]), tmp + "/in", "probe")
    subprocess.run(["/bin/true"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, check=True)
files = sorted({m.__file__ for m in list(sys.modules.values()) if m and getattr(m, "__file__", None)})
print(json.dumps(files))
"""


def guest_python_files(extracted: Path, pyroot: Path) -> list[str]:
    """Paths relative to ``extracted`` of every standard-library file the guest code loaded."""
    out = subprocess.run([str(extracted / PYTHON), "-I", "-S", "-c", _PROBE, str(pyroot), *BLOCKED],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"the guest Python modules do not run on the extracted Python:\n{out.stderr}")
    stdlib = (extracted / STDLIB).resolve()
    needed = []
    for name in json.loads(out.stdout):
        path = Path(name).resolve()
        if path.is_relative_to(pyroot.resolve()):
            continue
        if not path.is_relative_to(stdlib):
            raise RuntimeError(f"the guest code loaded {path}, which is outside the Python packages")
        needed.append(str(path.relative_to(extracted.resolve())))
    return sorted(needed)


def compile_tree(python: Path, *directories: Path, strip: Path) -> None:
    """Byte-compile with unchecked hashes: the read-only guest root never recompiles, and
    file times in the image do not matter."""
    subprocess.run([str(python), "-I", "-S", "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash",
                    "-s", str(strip), "-p", "/", *map(str, directories)], check=True, capture_output=True)
