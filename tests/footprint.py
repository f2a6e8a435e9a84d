"""The footprint of an installed workstation on this host, to prove a test run leaves it alone.

What `make demo` (or a user's `state.apply bulkhead`) leaves and a test run must never stop,
rewrite or remove: the daemons behind the default pidfiles (pid and start time), every file under
/etc/bulkhead and the default state directories (by content), the sockets in /run/bulkhead (by
inode), and every libvirt domain, network and pool that existed before (by definition). Only what
existed at the first snapshot is compared: the objects a test creates under its own names come
and go. Not compared: logs (the live daemons append to them) and /run/bulkhead/kvm-verdict.json,
a cache of facts about this host that any probe may add to.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import libvirt

from .guests import URI

PIDFILES = (Path("/run/bulkhead/memd.pid"), Path("/run/bulkhead/broker.pid"))
CONTENT_DIRS = (
    Path("/etc/bulkhead"),
    Path("/var/lib/bulkhead/firewall"),
    Path("/var/lib/bulkhead/dispvms"),
)
SOCKET_DIRS = (Path("/run/bulkhead"), Path("/run/bulkhead/agent"), Path("/run/bulkhead/rpc"))
NOT_COMPARED = frozenset({Path("/run/bulkhead/kvm-verdict.json")})
# A pool's sizes follow the filesystem it shares with the tests' pools.
_POOL_SIZES = re.compile(r"<(capacity|allocation|available)\b[^>]*>[^<]*</\1>")

Footprint = dict[str, str]


def snapshot() -> Footprint:
    """key -> what it must still be (a digest, an inode, a pid with its start time)."""
    found: Footprint = {}
    for pidfile in PIDFILES:
        found[f"daemon {pidfile}"] = _daemon(pidfile)
    for folder in CONTENT_DIRS:
        for path in _files(folder):
            found[f"file {path}"] = _sha256(path)
    for folder in SOCKET_DIRS:
        for path in _entries(folder):
            if path not in NOT_COMPARED:
                found[f"entry {path}"] = _identity(path)
    found.update(_libvirt())
    return found


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


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _entries(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if not p.is_dir())
    except OSError:
        return []


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        return f"unreadable ({exc.strerror})"


def _identity(path: Path) -> str:
    try:
        st = path.lstat()
    except OSError:
        return "gone"
    return (
        f"inode {st.st_ino}" if not path.is_file() else f"inode {st.st_ino} sha256 {_sha256(path)}"
    )


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
