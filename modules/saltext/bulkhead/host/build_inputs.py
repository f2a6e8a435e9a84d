"""A cheap fingerprint of what ``bulkhead image build``'s input digest depends on, so that the
image state's no-op (what a fleet runs most) need not resolve and hash the Debian packages.

The digest covers the packages apt would choose, the host libraries copied into the image, the
guest files and the builder's own source. Those change only with apt's package lists or
configuration, dpkg's database, or bulkhead's package files: their identities (path, size,
mtime, ctime in ns) and the bytes of bulkhead's files make the fingerprint. After a build (or a
no-op build) the fingerprint is recorded in the workstation's own records directory
(``bulkhead:formula:paths:image_records``), never in the image cache: workstations and test
runs only read the cache, and each keeps its own record of what it checked. While the record's
fingerprint is the same and the outputs still match the manifest, the build is skipped. Anything
else runs the real build.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import resources
from pathlib import Path

from ..image import manifest
from ..image.python_closure import GUEST_MODULES

APT_STATE = (Path("/var/lib/apt/lists"), Path("/etc/apt"), Path("/var/lib/dpkg/status"))


def _identities(path: Path) -> list[str]:
    paths = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    out = []
    for item in paths:
        try:
            st = item.stat()
        except OSError:
            continue
        out.append(f"{item}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}")
    return out


def fingerprint(apt_state: tuple[Path, ...] = APT_STATE) -> str:
    digest = hashlib.sha256()
    for path in apt_state:
        digest.update("\n".join(_identities(path)).encode())
    image_pkg = resources.files("saltext.bulkhead.image")
    for item in sorted(Path(str(image_pkg)).rglob("*")):
        if item.is_file() and "__pycache__" not in item.parts:
            digest.update(item.name.encode() + item.read_bytes())
    root = resources.files("saltext.bulkhead")
    for rel in GUEST_MODULES:
        digest.update(rel.encode() + root.joinpath(rel).read_bytes())
    return digest.hexdigest()


def record_file(records: Path, template: Path) -> Path:
    """The record of the template image in the directory ``template``, under ``records``."""
    return records / f"{template.name}.json"


def still_current(template: Path, key: str, records: Path) -> bool:
    """The recorded fingerprint is ``key`` for this very directory, and the outputs match the
    manifest."""
    try:
        recorded = json.loads(record_file(records, template).read_text())
    except (OSError, ValueError):
        return False
    found = manifest.read_manifest(template) or {}
    return (isinstance(recorded, dict) and recorded.get("fingerprint") == key
            and recorded.get("directory") == str(template)
            and recorded.get("input_hash") == found.get("input_hash")
            and manifest.is_current(template, str(found.get("input_hash"))))


def record(template: Path, key: str, records: Path) -> None:
    found = manifest.read_manifest(template) or {}
    records.mkdir(mode=0o755, parents=True, exist_ok=True)
    target = record_file(records, template)
    tmp = records / f".{target.name}.tmp.{os.getpid()}"
    tmp.write_text(json.dumps({"directory": str(template), "fingerprint": key,
                               "input_hash": found.get("input_hash")}))
    tmp.replace(target)
