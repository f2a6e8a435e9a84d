"""Turning an mmdebstrap tree into a bulkhead template: guest programs as systemd units, nothing
of the build host's identity, nothing that slows the boot or writes into an app's overlay.

Everything here edits files in the tree (links, small files); nothing runs inside it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

UNITS = {  # unit -> the target that wants it
    "bulkhead-setup.service": "sysinit.target",
    "bulkhead-agent.service": "multi-user.target",
    "bulkhead-rpcd.service": "multi-user.target",
    "bulkhead-ready.service": "multi-user.target",
}
# Masked: prompts on the console (firstboot), a machine-id written into the shared root
# (machine-id-commit: each domain keeps a fresh transient one), logins (root has no password),
# and periodic jobs that have no business in a domain whose root is thrown away.
MASKED = (
    "systemd-firstboot.service", "systemd-machine-id-commit.service", "getty.target",
    "apt-daily.timer", "apt-daily-upgrade.timer", "dpkg-db-backup.timer", "e2scrub_all.timer",
    "e2scrub_reap.service", "fstrim.timer", "systemd-tmpfiles-clean.timer", "cron.service",
    "systemd-pstore.service", "systemd-timesyncd.service", "logrotate.timer", "man-db.timer",
)
# Masked for a quicker boot (systemd-analyze blame inside a domain, BENCHMARKS.md): udev (the
# initramfs loads the virtio drivers, the setup names NICs by MAC and links the virtio-serial
# ports, the kernel's devtmpfs makes the nodes), kernel interfaces nothing here uses, and files
# written at each boot or shutdown into an app's overlay (random seed, utmp, the journal's flush).
MASKED_FOR_BOOT = (
    "systemd-udevd.service", "systemd-udevd-control.socket", "systemd-udevd-kernel.socket",
    "systemd-udev-trigger.service", "systemd-udev-settle.service", "systemd-binfmt.service",
    "proc-sys-fs-binfmt_misc.automount", "dev-hugepages.mount", "sys-kernel-debug.mount",
    "sys-kernel-tracing.mount", "sys-kernel-config.mount", "sys-fs-fuse-connections.mount",
    "kmod-static-nodes.service", "systemd-random-seed.service", "systemd-update-utmp.service",
    "systemd-update-utmp-runlevel.service", "systemd-journal-flush.service",
    "systemd-pcrphase.service", "systemd-pcrphase-sysinit.service", "systemd-repart.service",
)
# The build host leaks in through these (mmdebstrap copies resolv.conf and hostname in); apt's
# downloaded lists and caches are large and stale by the time anybody boots the template.
HOST_IDENTITY = ("etc/hostname", "etc/resolv.conf", "etc/mailname", "var/lib/dbus/machine-id",
                 "var/lib/systemd/random-seed", "var/lib/systemd/credential.secret")
EMPTIED = ("var/lib/apt/lists", "var/cache/apt", "var/log", "tmp", "var/tmp", "boot")


def _link(link: Path, target: str) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(target)


def install_units(tree: Path, units: dict[str, bytes], journald_conf: bytes) -> None:
    """The guest units, enabled as `systemctl enable` would, and the rest masked."""
    system = tree / "etc/systemd/system"
    for unit, data in units.items():
        (tree / "usr/lib/systemd/system" / unit).write_bytes(data)
        _link(system / f"{UNITS[unit]}.wants" / unit, f"/usr/lib/systemd/system/{unit}")
    for unit in (*MASKED, *MASKED_FOR_BOOT):
        _link(system / unit, "/dev/null")
    # Interfaces keep the kernel's names; the setup names them from the config volume by MAC.
    _link(tree / "etc/systemd/network/99-default.link", "/dev/null")
    conf = tree / "etc/systemd/journald.conf.d/bulkhead.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_bytes(journald_conf)


def _empty_dir(path: Path) -> None:
    if not path.is_dir() or path.is_symlink():
        return
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def scrub(tree: Path) -> None:
    """No host identity, no machine identity (an empty machine-id: systemd makes a transient one
    at each boot, and it is not a first boot), no root password, no caches."""
    for rel in HOST_IDENTITY:
        (tree / rel).unlink(missing_ok=True)
    for rel in EMPTIED:
        _empty_dir(tree / rel)
    (tree / "var/lib/apt/lists/partial").mkdir(parents=True, exist_ok=True)
    (tree / "var/cache/apt/archives/partial").mkdir(parents=True, exist_ok=True)
    (tree / "etc/machine-id").write_bytes(b"")
    os.chmod(tree / "etc/machine-id", 0o444)
    lock_root(tree / "etc/shadow")


def lock_root(shadow: Path) -> None:
    """root's password field becomes ``*`` (no password can log in) whatever it was."""
    lines = shadow.read_text().splitlines()
    locked = [":".join([f[0], "*", *f[2:]]) if (f := line.split(":"))[0] == "root" else line
              for line in lines]
    shadow.write_text("\n".join(locked) + "\n")


def kernel_abi(tree: Path) -> str:
    """The one kernel installed in the tree (its modules directory)."""
    abis = sorted(p.name for p in (tree / "usr/lib/modules").iterdir())
    if len(abis) != 1:
        raise RuntimeError(f"expected one kernel in the template, found {abis or 'none'}")
    return abis[0]


def installed_packages(tree: Path) -> list[dict[str, str]]:
    """name and version of every package dpkg installed in the tree, from its status file."""
    packages, current = [], {}
    for line in [*(tree / "var/lib/dpkg/status").read_text().splitlines(), ""]:
        if not line:
            if current.get("Status", "").endswith(" installed"):
                packages.append({"name": current["Package"], "version": current["Version"]})
            current = {}
        elif ":" in line and not line[0].isspace():
            key, value = line.split(":", 1)
            current[key] = value.strip()
    return sorted(packages, key=lambda p: p["name"])
