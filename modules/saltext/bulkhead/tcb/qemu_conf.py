"""The settings of libvirt's qemu.conf that decide how QEMU is confined, with libvirt's defaults
for what the file leaves out (Debian's build: user libvirt-qemu, the first security driver that
loads, dynamic ownership and the seccomp sandbox on)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

QEMU_CONF = Path("/etc/libvirt/qemu.conf")
_SETTING = re.compile(r'^\s*([a-z_]+)\s*=\s*(.+?)\s*$')


@dataclass(frozen=True)
class QemuConf:
    user: str = "libvirt-qemu"
    group: str = "libvirt-qemu"
    dynamic_ownership: bool = True
    seccomp_sandbox: int = 1  # -1 off (no -sandbox at all), 0 off, 1 on
    security_driver: str = "default"  # "default": the first of selinux/apparmor that loads
    path: str = str(QEMU_CONF)
    read: bool = True  # False: the file could not be read, these are libvirt's defaults


def _value(text: str) -> str:
    text = text.split("#", 1)[0].strip()
    if text.startswith("[") and text.endswith("]"):  # security_driver = [ "apparmor" ]
        text = text[1:-1].strip()
    return text.strip('"').strip()


def parse_qemu_conf(text: str, path: str = str(QEMU_CONF)) -> QemuConf:
    values = {}
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        match = _SETTING.match(line)
        if match:
            values[match[1]] = _value(match[2])
    defaults = QemuConf()

    def number(name: str, default: int) -> int:
        try:
            return int(values[name]) if name in values else default
        except ValueError:
            return default

    return QemuConf(
        user=values.get("user", defaults.user).lstrip("+"),
        group=values.get("group", defaults.group).lstrip("+"),
        dynamic_ownership=number("dynamic_ownership", 1) != 0,
        seccomp_sandbox=number("seccomp_sandbox", 1),
        security_driver=values.get("security_driver", defaults.security_driver) or "default",
        path=path,
    )


def read_qemu_conf(path: Path = QEMU_CONF) -> QemuConf:
    try:
        return parse_qemu_conf(path.read_text(encoding="utf-8", errors="replace"), str(path))
    except OSError:
        return QemuConf(path=str(path), read=False)
