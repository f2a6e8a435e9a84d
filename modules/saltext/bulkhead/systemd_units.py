"""systemd unit files of the host daemons, rendered from the pillar (pure, deterministic).

On a host with systemd as PID 1 the formula installs these, so that bulkhead-memd, the RPC broker
and the boot sequence come back after a reboot without a Salt run. The daemons run in the
foreground with the same command lines the formula uses without systemd, and tell systemd they
are ready (``sd_notify.py``) once they serve, so units ordered after them wait for that.
libvirt's own domain autostart is never used (``boot/``).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from .model.pillar import FormulaPaths

LIBVIRT_UNITS = ("libvirtd.service", "virtlogd.service")
INSTALL = "[Install]\nWantedBy=multi-user.target\n"
_PLAIN = re.compile(r"^[A-Za-z0-9_@+=:,./?&-]+$")


@dataclass(frozen=True, slots=True)
class UnitNames:
    """The units of one set of ``formula:paths``: the plain names for the default paths, else
    suffixed with a digest of the paths, so that neither set replaces the other. bulkhead-memd's
    name follows its own paths only: every workstation of a host shares its one balancer."""

    memd: str
    broker: str
    boot: str


MEMD_PATHS = ("memd_config", "memd_pidfile", "memd_log")


def _suffix(paths: FormulaPaths, fields: set[str] | None = None) -> str:
    mine, plain = paths.model_dump(include=fields), FormulaPaths().model_dump(include=fields)
    if mine == plain:
        return ""
    return "-" + hashlib.sha256(json.dumps(mine, sort_keys=True).encode()).hexdigest()[:8]


def unit_names(paths: FormulaPaths) -> UnitNames:
    rest = _suffix(paths)
    return UnitNames(f"bulkhead-memd{_suffix(paths, set(MEMD_PATHS))}.service",
                     f"bulkhead-rpc-broker{rest}.service", f"bulkhead-boot{rest}.service")


def exec_quote(arg: str) -> str:
    """One argument of an Exec*= line: systemd's specifiers (%) and variables ($) escaped, and
    quoted when it holds anything but plain characters."""
    escaped = arg.replace("%", "%%").replace("$", "$$")
    if _PLAIN.match(arg):
        return escaped
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in arg):
        raise ValueError(f"a control character in unit argument {arg!r}")
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'


def exec_line(argv: list[str]) -> str:
    return " ".join(exec_quote(arg) for arg in argv)


def unit_text(description: str, *, service: list[str], wants: tuple[str, ...] = (),
              after: tuple[str, ...] = ()) -> str:
    """A unit needing libvirtd, ordered after it and virtlogd (and ``after``), with ``service``
    as its [Service] lines, enabled for multi-user.target."""
    lines = ["[Unit]", f"Description={description}",
             "Requires=libvirtd.service", f"Wants={' '.join(('virtlogd.service', *wants))}",
             f"After={' '.join((*LIBVIRT_UNITS, *after))}", "", "[Service]", *service, ""]
    return "\n".join(lines) + "\n" + INSTALL


def daemon_unit(
    description: str, argv: list[str], make_dirs: tuple[tuple[str, str], ...] = ()
) -> str:
    """A long-running daemon in the foreground, restarted when it fails. ``make_dirs``: (mode,
    path) of folders it needs that nothing else creates after a reboot (/run is empty)."""
    service = ["Type=notify", "NotifyAccess=main"]
    service += [
        f"ExecStartPre=/usr/bin/install -d -m {mode} {exec_quote(path)}" for mode, path in make_dirs
    ]
    service += [f"ExecStart={exec_line(argv)}", "Restart=on-failure", "RestartSec=2s",
                "TimeoutStopSec=20s"]
    return unit_text(description, service=service)


def boot_unit(argv: list[str], names: UnitNames, with_memd: bool) -> str:
    """The oneshot that starts the autostart domains once the daemons serve."""
    daemons = ((names.memd,) if with_memd else ()) + (names.broker,)
    service = ["Type=oneshot", "RemainAfterExit=yes", f"ExecStart={exec_line(argv)}",
               "TimeoutStartSec=30min"]
    return unit_text("bulkhead: start the autostart domains, netvms first", service=service,
                     wants=daemons, after=daemons)
