"""Keep the RPC broker running as the pillar says (what ``bulkhead_rpc.broker_running`` does).

The broker reads two things that change while it runs, and picks both up by itself: the policy
(loaded for every call) and the pillar facts file (re-read when it changes). So this state writes
the facts file atomically and restarts the broker only when its command line must change (policy
directory, URI, ask mode, call limits) or its executable was replaced: the drift rule of the one
daemon manager (``daemon_service.py``), which finds the running broker through its pidfile and
recognises it by its command line in /proc, so a recycled pid is never taken for it. Inspection
is read-only: test mode reports exactly what a real run does. The workstation's broker left
running from its other default paths is stopped first (former_broker.py).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from ..atomic_file import write_atomically
from ..daemon_process import DaemonProcess, Running
from ..daemon_service import Unit, Wanted, keep_running, keep_stopped
from ..gui.labels import SWAY_CONFIG
from ..model import Pillar
from ..plan import names
from ..reconcile import Outcome, Work
from ..socket_dirs import make_private_socket_dir
from ..systemd import Systemd
from ..systemd_units import daemon_unit, unit_names
from ..virt.dispvm_registry import REGISTRY_DIR
from .former_broker import former_broker_paths

MODULE = "saltext.bulkhead.rpc"
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class BrokerPaths:
    pillar: Path = Path("/etc/bulkhead/broker-pillar.json")
    pidfile: Path = Path("/run/bulkhead/broker.pid")
    log: Path = Path("/var/log/bulkhead/broker.log")
    socket_dir: Path = Path(names.RPC_SOCKET_DIR)
    # its disposables; a broker deletes those left in it at start
    dispvm_registry: Path = REGISTRY_DIR

    @property
    def ask_socket(self) -> Path:
        """The answer socket of ``ask: user``: beside the pidfile, so each workstation's own."""
        return self.pidfile.parent / "ask.sock"

    def process(self) -> DaemonProcess:
        return DaemonProcess("the RPC broker", self.pidfile, self.log, broker_marks(self.pidfile),
                             START_TIMEOUT_S, STOP_TIMEOUT_S)


def command(pillar: Pillar, paths: BrokerPaths) -> list[str]:
    # The user's answer socket only with ask: user (other brokers' command lines stay as they were)
    asking = (
        ["--ask-timeout", str(pillar.policy.ask_timeout), "--ask-socket", str(paths.ask_socket)]
        if pillar.policy.ask == "user"
        else []
    )
    return [
        sys.executable,
        "-m",
        MODULE,
        "broker",
        "--uri",
        pillar.host.uri,
        "--pillar-json",
        str(paths.pillar),
        "--policy-dir",
        str(pillar.policy.dir),
        "--socket-dir",
        str(paths.socket_dir),
        "--ask",
        pillar.policy.ask,
        *asking,
        "--log",
        str(paths.log),
        "--pidfile",
        str(paths.pidfile),
        "--call-timeout",
        str(pillar.policy.call_timeout),
        "--max-output-mib",
        str(pillar.policy.call_output_mib),
        "--dispvm-registry",
        str(paths.dispvm_registry),
    ]


def broker_unit(pillar: Pillar, paths: BrokerPaths) -> str:
    """The broker's systemd unit: the same command line, in the foreground; /run is empty after
    a reboot, so its pidfile's folder and its socket folder (root's 0700) are made first."""
    folders = (("0755", str(paths.pidfile.parent)), ("0700", str(paths.socket_dir)))
    return daemon_unit("bulkhead RPC broker: mediates calls between the bulkhead domains",
                       command(pillar, paths), make_dirs=folders)


def facts_file(pillar: Pillar) -> bytes:
    """The pillar as the broker loads it back (``load_pillar`` of this JSON gives ``pillar``)."""
    return (
        json.dumps(pillar.model_dump(mode="json", by_alias=True), sort_keys=True, indent=1) + "\n"
    ).encode()


def running_broker(paths: BrokerPaths) -> Running | None:
    """The broker our pidfile names, if that process is one."""
    return paths.process().running()


def is_broker_command(args: list[str], pidfile: Path) -> bool:
    """A command line of the broker this pidfile belongs to (not a recycled pid)."""
    return all(mark in args for mark in broker_marks(pidfile))


def broker_marks(pidfile: Path) -> tuple[str, ...]:
    """What the command line of the broker writing this pidfile carries."""
    return (MODULE, "--pidfile", str(pidfile))


def option(args: list[str], name: str) -> str | None:
    """The value of ``name`` on a broker command line (None if absent)."""
    for i, arg in enumerate(args[:-1]):
        if arg == name:
            return args[i + 1]
    return None


def broker_running(pillar: Pillar, paths: BrokerPaths, test: bool = False,
                   systemd: tuple[Systemd, str] | None = None) -> Outcome:
    """The facts file written and the broker running its settings; ``systemd``: (systemctl,
    unit name) on a host run by systemd: the broker runs as that unit."""
    work = Work()
    _stop_former(work, pillar, paths, systemd)
    wanted = facts_file(pillar)
    try:
        current: bytes | None = paths.pillar.read_bytes()
    except FileNotFoundError:
        current = None
    if current != wanted:
        work.changes["facts"] = {
            "old": None if current is None else "outdated",
            "new": str(paths.pillar),
        }
        work.step(f"write {paths.pillar}",
                  lambda: write_atomically(paths.pillar, wanted, mode=0o600))
    _sway_config(work, pillar)
    cmd = command(pillar, paths)
    # the unit holds the command line: a changed setting changes the unit, which restarts it
    unit = None if systemd is None else Unit(*systemd, broker_unit(pillar, paths))
    keep_running(work, paths.process(), Wanted(cmd), "broker", lambda: start(cmd, paths), unit)
    return work.finish(test, "RPC broker")


def _stop_former(work: Work, pillar: Pillar, paths: BrokerPaths,
                 systemd: tuple[Systemd, str] | None) -> None:
    """Steps stopping this workstation's broker still running from its other default paths
    (former_broker.py), and removing its unit, before the one from its paths starts. Only for a
    broker run from the pillar's paths: paths given to the state have no other default."""
    own = pillar.formula.paths
    if (str(paths.pillar), str(paths.pidfile), str(paths.log), str(paths.dispvm_registry)) != (
            own.broker_pillar, own.broker_pidfile, own.broker_log, own.dispvm_registry):
        return
    former = former_broker_paths(pillar)
    if former is None:
        return
    paths = BrokerPaths(Path(former.broker_pillar), Path(former.broker_pidfile),
                        Path(former.broker_log), dispvm_registry=Path(former.dispvm_registry))
    unit = None if systemd is None else (systemd[0], unit_names(former).broker)
    keep_stopped(work, paths.process(), "former_broker", unit)


def _sway_config(work: Work, pillar: Pillar) -> None:
    """The sway snippet of the GUI labels (gui/labels.py), once a domain has gui: true; the
    broker runs the GUI relays."""
    if not any(d.gui for d in pillar.domains.values()):
        return
    path = Path(pillar.host.gui.sway_config)
    try:
        current: str | None = path.read_text()
    except FileNotFoundError:
        current = None
    if current != SWAY_CONFIG:
        work.changes["sway_config"] = {"old": None if current is None else "outdated",
                                       "new": str(path)}
        work.step(f"write {path}", lambda: write_atomically(path, SWAY_CONFIG.encode(), mode=0o644))


def start(cmd: list[str], paths: BrokerPaths) -> None:
    """Start detached (own session, no terminal); return once its pidfile names it."""
    make_private_socket_dir(
        paths.socket_dir
    )  # the broker refuses a directory that is not root's 0700
    paths.process().start(cmd)


def broker_stopped(paths: BrokerPaths, test: bool = False,
                   systemd: tuple[Systemd, str] | None = None) -> Outcome:
    work = Work()
    keep_stopped(work, paths.process(), "broker", systemd)
    outcome = work.finish(test, "RPC broker")
    if not test and running_broker(paths) is None and paths.ask_socket.is_socket():
        # a broker killed after its stop timeout leaves its answer socket: nothing answers there
        paths.ask_socket.unlink(missing_ok=True)
    return outcome
