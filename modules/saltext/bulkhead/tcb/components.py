"""The trusted host components outside any domain: their versions, processes and, for bulkhead's
own daemons, the lines of Python they run (the seed's "Qubes-specific" TCB)."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
from pathlib import Path

from ..gui.names import USER_PREFIX
from ..model import Pillar
from .processes import pid_from_file, pids_named, process
from .report import Component

PACKAGE = Path(__file__).resolve().parents[1]
# bulkhead's host-side code a guest's bytes reach, by daemon, with its Qubes equivalent.
OWN = (
    ("bulkhead-rpc broker", "qrexec-daemon + policy (dom0 side of qrexec)",
     ("rpc", "rpcwire", "policy", "untrusted", "filecopy", "gui"), "broker_pidfile"),
    ("bulkhead-memd", "qmemman", ("memd", "memory", "memd_client"), "memd_pidfile"),
    ("bulkhead agent client", "the dom0 side of qubesdb/config delivery", ("agent",), None),
    ("bulkhead firewall compiler", "qubes-firewall's rule compiler (runs on the host)", ("net",),
     None),
)


# Sub-packages that run as a component of their own (the Wayland filter: one sandboxed process
# per GUI domain, not the broker): counted there only, never again in the package around them.
SEPARATE = ("gui/wayland_filter",)


def is_cli(file_name: str) -> bool:
    """A command-line module (``cli.py``, ``*_cli.py``): the host user's tool, no daemon runs it
    (``client.py`` or ``clipboard.py`` are not)."""
    return file_name == "cli.py" or file_name.endswith("_cli.py")


def python_lines(packages: tuple[str, ...], root: Path = PACKAGE) -> int:
    total = 0
    for name in packages:
        path = root / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [root / f"{name}.py"]
        elsewhere = [f"{other}/" for other in SEPARATE if other.startswith(f"{name}/")]
        for file in files:
            relative = file.relative_to(root).as_posix()
            if file.is_file() and not is_cli(file.name) \
                    and not relative.startswith(tuple(elsewhere)):
                total += len(file.read_bytes().splitlines())
    return total


def _described(pids: list[int]) -> tuple[str, ...]:
    out = []
    for pid in pids:
        proc = process(pid)
        if proc is not None:
            out.append(f"{pid} {proc.user} seccomp={proc.seccomp}")
    return tuple(out)


def _version(argv: list[str]) -> str:
    if shutil.which(argv[0]) is None:
        return "not installed"
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else ""


def _package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _relay_users(name: str) -> list[int]:
    return [pid for pid in pids_named(name)
            if (proc := process(pid)) is not None and proc.user.startswith(USER_PREFIX)]


def _gui_relay() -> Component:
    """The GUI domains' waypipe clients: the host code that parses their Wayland streams."""
    return Component("waypipe client (GUI relay)", "qubes-guid: draws the domains' windows",
                     _version(["waypipe", "--version"]), _described(_relay_users("waypipe")),
                     note=f"one per GUI session, as {USER_PREFIX}<domain>, in bubblewrap: "
                          "no network, its session folder only (the filter's socket)")


def _gui_filter() -> Component:
    """The GUI domains' Wayland filters: the only clients of theirs the compositor sees."""
    return Component("Wayland filter (GUI relay)",
                     "qubes-guid's checks: the globals a domain sees, its own clipboard", "",
                     _described(_relay_users("python3")),
                     python_lines(("gui/wayland_filter", "untrusted")),
                     note=f"one per running GUI domain, as {USER_PREFIX}<domain>, in bubblewrap: "
                          "no network, its session folder, the compositor socket, bulkhead "
                          "read-only")


def host_components(pillar: Pillar, libvirt_version: str, hypervisor: str) -> tuple[Component, ...]:
    found = [
        Component("kernel", "the hypervisor's host kernel (KVM) and the block/net backends",
                  os.uname().release),
        Component("hypervisor", "Xen's role: the virtual machine monitor", hypervisor),
        Component("qemu", "device emulation, one process per domain", hypervisor,
                  note="see each domain's qemu entry"),
        Component("libvirtd", "xenstore / libxl: domain management", libvirt_version,
                  _described(pids_named("libvirtd"))),
        Component("virtlogd", "console log collection (guest-written text)", libvirt_version,
                  _described(pids_named("virtlogd"))),
        Component("nftables", "the host's anti-spoofing and netvm rulesets' compiler target",
                  _version(["nft", "--version"])),
        Component("salt", "applies the pillar (dom0's qubesctl)", _package_version("salt")),
    ]
    if any(domain.gui for domain in pillar.domains.values()):
        found += [_gui_relay(), _gui_filter()]
    paths = pillar.formula.paths
    for name, role, packages, pidfile in OWN:
        pid = pid_from_file(Path(getattr(paths, pidfile))) if pidfile else None
        running = _described([pid]) if pid is not None and process(pid) is not None else ()
        found.append(Component(name, role, "", running, python_lines(packages),
                               "" if pidfile is None or running else "not running"))
    return tuple(found)
