"""Fetch and unpack Debian packages with the host's own apt and dpkg.

apt verifies every download against the signed archive index, so what lands in the download
directory is exactly what the Debian archive published; we only pick names and record versions.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

KERNEL_META = "linux-image-amd64"


class AptError(RuntimeError):
    """apt or dpkg failed, or gave an answer we cannot use."""


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    deb: Path | None = None
    source: str = "apt-download"  # or "host": a library taken from the installed system


def _run(argv: list[str], cwd: Path | None = None) -> str:
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise AptError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


def kernel_package() -> str:
    """The versioned kernel package the ``linux-image-amd64`` meta package currently points at."""
    out = _run(["apt-cache", "depends", KERNEL_META])
    names = re.findall(r"Depends:\s*(linux-image-[0-9][\w.+-]*-amd64)\b", out)
    if not names:
        raise AptError(
            f"no linux-image-<abi>-amd64 dependency in 'apt-cache depends {KERNEL_META}'"
        )
    return names[0]


def candidate_version(name: str) -> str:
    """The version apt would download for ``name`` right now."""
    out = _run(["apt-cache", "show", "--no-all-versions", name])
    match = re.search(r"^Version:\s*(\S+)", out, re.MULTILINE)
    if not match:
        raise AptError(f"apt-cache knows no version of {name}")
    return match.group(1)


def deb_filename(name: str, version: str) -> str:
    """apt's file name for a downloaded package (the epoch colon is URL-escaped)."""
    return f"{name}_{version.replace(':', '%3a')}_amd64.deb"


def download(name: str, version: str, dest: Path) -> Package:
    """Download one exact package version into ``dest`` unless it is already there."""
    dest.mkdir(parents=True, exist_ok=True)
    deb = dest / deb_filename(name, version)
    if not deb.exists():
        # The sandbox user _apt may not be able to write to dest; we are root and trust apt here.
        _run(["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root", f"{name}={version}"],
             cwd=dest)
    if not deb.exists():
        raise AptError(f"apt-get download {name}={version} did not produce {deb.name}")
    return Package(name, version, deb)


def extract(deb: Path, dest: Path) -> None:
    """Unpack a .deb's data archive into ``dest`` (no maintainer scripts run)."""
    dest.mkdir(parents=True, exist_ok=True)
    _run(["dpkg-deb", "-x", str(deb), str(dest)])


def owning_package(path: Path) -> Package:
    """The installed package that ships ``path`` (tried with and without the merged-/usr prefix)."""
    text = str(path)
    candidates = [text]
    if text.startswith("/usr/lib/"):
        candidates.append(text[len("/usr"):])
    for candidate in candidates:
        proc = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True,
                              check=False)
        if proc.returncode == 0:
            name = proc.stdout.split(":", 1)[0].strip()
            version = _run(["dpkg-query", "-W", "-f=${Version}", name])
            return Package(name.split(",")[0], version.strip(), None, "host")
    raise AptError(f"no installed package owns {path}")
