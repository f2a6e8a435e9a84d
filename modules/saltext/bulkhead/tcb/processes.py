"""QEMU and the host daemons as the kernel sees them: who they run as, whether seccomp filters
them (/proc/PID/status), and which kernel security modules are loaded or could be."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
LSM_FILE = Path("/sys/kernel/security/lsm")
SECCOMP = {"0": "off", "1": "strict", "2": "filter"}


@dataclass(frozen=True)
class Process:
    pid: int
    uid: int
    gid: int
    seccomp: str  # off, strict, filter, or unknown

    @property
    def user(self) -> str:
        import pwd

        try:
            return pwd.getpwuid(self.uid).pw_name
        except KeyError:
            return str(self.uid)


def parse_status(pid: int, text: str) -> Process:
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    uid = int(fields.get("Uid", "-1").split()[1]) if "Uid" in fields else -1  # effective
    gid = int(fields.get("Gid", "-1").split()[1]) if "Gid" in fields else -1
    seccomp = SECCOMP.get(fields.get("Seccomp", "").strip(), "unknown")
    return Process(pid, uid, gid, seccomp)


def process(pid: int, proc: Path = PROC) -> Process | None:
    try:
        return parse_status(pid, (proc / str(pid) / "status").read_text())
    except (OSError, ValueError, IndexError):
        return None


def pid_from_file(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
        return int(text) if text.isdigit() else None
    except OSError:
        return None


def pids_named(name: str, proc: Path = PROC) -> list[int]:
    found = []
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except OSError:
                continue
    return sorted(found)


@dataclass(frozen=True)
class Lsm:
    loaded: tuple[str, ...]  # /sys/kernel/security/lsm, empty when none or not mounted
    apparmor_built: bool | None  # the kernel config says; None when /proc/config.gz is absent
    source: str  # how we know

    @property
    def apparmor_possible(self) -> bool:
        return "apparmor" in self.loaded or bool(self.apparmor_built)


def read_lsm(lsm_file: Path = LSM_FILE, config: Path = PROC / "config.gz") -> Lsm:
    try:
        loaded = tuple(n for n in lsm_file.read_text().strip().split(",") if n)
        source = str(lsm_file)
    except OSError:
        loaded, source = (), f"{lsm_file} unreadable (securityfs not mounted)"
    try:
        with gzip.open(config, "rt") as lines:
            built = any(line.strip() == "CONFIG_SECURITY_APPARMOR=y" for line in lines)
        source += f"; {config}: CONFIG_SECURITY_APPARMOR {'set' if built else 'not set'}"
    except OSError:
        built = None
    return Lsm(loaded, built, source)
