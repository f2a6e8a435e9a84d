"""The footprint of an installed workstation on this host, to prove a test run leaves it alone.

What `make demo` (or a user's `state.apply bulkhead`) leaves and a test run must never stop,
rewrite or remove: the daemons behind the default pidfiles, another workstation's broker included
(pid and start time), every file under /etc/bulkhead, the state directories and the exclusive-mode
record, the daemons' systemd units (by content), the entries of the folders under /run/bulkhead:
sockets, pidfiles, the clipboard buffer (by inode, files by content), and every libvirt domain,
network and pool that existed before (by definition). Only what existed at the first snapshot is
compared: the objects a test creates under its own names come and go. ``UNWATCHED`` says what is
left out and why; tests/unit/test_footprint.py checks that every host path the product names is
watched or listed there.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import libvirt

from .guests import URI

RUN, LIB = Path("/run/bulkhead"), Path("/var/lib/bulkhead")
# A second workstation's broker files live under workstations/<name>/ (model/workstation_paths.py).
OTHERS = "workstations"
CONTENT_LIMIT = 1 << 20  # a larger file (an image under images/) by size, mtime and inode: a
# digest of gigabytes at each session's start and end would cost minutes


@dataclass(frozen=True)
class Watched:
    """Where an installed workstation keeps what a test must leave alone (HOST; a unit test's
    stand-in under tmp_path)."""

    pidfiles: tuple[Path, ...]  # plus <socket tree>/*/broker.pid: other workstations' brokers
    content: tuple[Path, ...]  # files and folders (every file below), compared by content
    units: Path  # systemd's folder: bulkhead-*.service and the links enabling them
    socket_dirs: tuple[Path, ...]  # their entries (not subfolders) by inode, files by content
    socket_trees: tuple[Path, ...]  # every entry below, the same way
    identity_only: frozenset[Path] = frozenset()  # rewritten by every run: by inode alone


HOST = Watched(
    pidfiles=(RUN / "memd.pid", RUN / "broker.pid"),
    content=(Path("/etc/bulkhead"), LIB / "firewall", LIB / "dispvms", LIB / OTHERS,
             LIB / "exclusive.json"),
    units=Path("/etc/systemd/system"),
    socket_dirs=(RUN, RUN / "agent", RUN / "rpc", RUN / "gui", RUN / "clipboard", RUN / "locks"),
    socket_trees=(RUN / "gui-session", RUN / OTHERS),
    # The apply lock's holder record: any run taking the lock (the user's own) rewrites it.
    identity_only=frozenset({RUN / "locks" / "apply.lock"}),
)
PIDFILES = HOST.pidfiles
UNWATCHED = {
    Path("/var/log/bulkhead"): "logs: the live daemons append to them",
    LIB / "pool": "its volumes are compared through libvirt (the pool's entry)",
    RUN / "kvm-verdict.json": "a cache of facts about this host that any probe may add to",
    Path("/var/cache/bulkhead/plans"): "plans named by the sha256 of all they were made from "
                                       "(virt/plan_memo.py): any run adds its own, the oldest go",
    Path("/var/cache/bulkhead") / OTHERS: "other workstations' plan caches, the tests' own among "
                                          "them: the host's own never holds their files",
    LIB / "images": "the template image cache the tests share with the host: made by a fresh "
                    "machine's first test, rebuilt by one when this checkout's image inputs "
                    "changed, as `bulkhead image build` would",
}
# A pool's sizes follow the filesystem it shares with the tests' pools.
_POOL_SIZES = re.compile(r"<(capacity|allocation|available)\b[^>]*>[^<]*</\1>")

Footprint = dict[str, str]


def snapshot(where: Watched = HOST) -> Footprint:
    """key -> what it must still be (a digest, an inode, a pid with its start time)."""
    found: Footprint = {}
    others = [p for tree in where.socket_trees for p in sorted(tree.glob("*/broker.pid"))]
    for pidfile in (*where.pidfiles, *others):
        found[f"daemon {pidfile}"] = _daemon(pidfile)
    for path in where.content:
        for file in _files(path):
            found[f"file {file}"] = _content(file)
    # Units by "unit": a test's daemons on a systemd host get units of their own (names
    # suffixed with a digest of its paths, systemd_units.py), which may come and go.
    for unit in sorted(where.units.glob("bulkhead-*.service")):
        found[f"unit {unit}"] = _content(unit)
    for link in sorted(where.units.glob("*.wants/bulkhead-*")):
        found[f"unit {link}"] = _link(link)
    entries = [p for d in where.socket_dirs for p in _entries(d)]
    entries += [p for tree in where.socket_trees for p in _entries(tree, below=True)]
    for path in entries:
        if path not in UNWATCHED:
            found[f"entry {path}"] = _identity(path, path not in where.identity_only)
    found.update(_libvirt())
    return found


def watches(path: Path, where: Watched = HOST) -> bool:
    """Whether a change to ``path`` (a file, socket or folder of the host) shows in a snapshot."""
    def within(folders):
        return any(path == f or f in path.parents for f in folders)

    return (path in where.pidfiles or within(where.content) or within(where.socket_trees)
            or path in where.socket_dirs or path.parent in where.socket_dirs
            or path.parent == where.units and path.name.startswith("bulkhead-"))


def changes(before: Footprint, after: Footprint) -> list[str]:
    """Every item of ``before`` that is gone or different in ``after``, and new files in
    /etc/bulkhead and the state directories (nothing but an installed workstation writes there)."""
    out = [f"{key}: {value} -> {after.get(key, 'gone')}" for key, value in sorted(before.items())
           if after.get(key) != value]
    out += [f"{key}: new" for key in sorted(set(after) - set(before)) if key.startswith("file ")]
    return out


def _daemon(pidfile: Path) -> str:
    try:
        pid = pidfile.read_text().split()[0]
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except (OSError, IndexError):
        return "not running"
    start = stat.rsplit(")", 1)[1].split()[19]  # field 22, after the command's parentheses
    return f"pid {pid} started at tick {start}: {cmdline.strip()}"


def _files(path: Path) -> list[Path]:
    if path.is_file() and not path.is_symlink():
        return [path]
    if not path.is_dir():
        return []
    return sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _entries(folder: Path, below: bool = False) -> list[Path]:
    try:
        found = folder.rglob("*") if below else folder.iterdir()
        return sorted(p for p in found if not p.is_dir())
    except OSError:
        return []


def _content(path: Path) -> str:
    try:
        st = path.stat()
        if st.st_size > CONTENT_LIMIT:
            return f"size {st.st_size} mtime {st.st_mtime_ns} inode {st.st_ino}"
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        return f"unreadable ({exc.strerror})"


def _identity(path: Path, with_content: bool = True) -> str:
    try:
        st = path.lstat()
    except OSError:
        return "gone"
    if with_content and path.is_file():
        return f"inode {st.st_ino} sha256 {_content(path)}"
    return f"inode {st.st_ino}"


def _link(path: Path) -> str:
    try:
        return f"-> {os.readlink(path)}"
    except OSError:
        return "gone"


def _libvirt() -> Footprint:
    """Domains (persistent definition, power), networks and pools (definition, volumes)."""
    if os.geteuid() != 0:
        return {}
    try:
        conn = libvirt.open(URI)
    except libvirt.libvirtError:
        return {}
    found: Footprint = {}
    try:
        for dom in conn.listAllDomains(0):
            xml = (
                dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE) if dom.isPersistent() else "transient"
            )
            found[f"domain {dom.name()}"] = f"{_digest(xml)} active={bool(dom.isActive())}"
        for net in conn.listAllNetworks(0):
            found[f"network {net.name()}"] = (
                f"{_digest(net.XMLDesc(0))} active={bool(net.isActive())}"
            )
        for pool in conn.listAllStoragePools(0):
            volumes = sorted(v.name() for v in pool.listAllVolumes()) if pool.isActive() else []
            xml = _POOL_SIZES.sub("", pool.XMLDesc(0))
            found[f"pool {pool.name()}"] = f"{_digest(xml)} volumes={','.join(volumes)}"
    except libvirt.libvirtError as exc:  # an object went away while listed: say so, do not guess
        found["libvirt"] = f"unreadable: {exc}"
    finally:
        conn.close()
    return found


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
