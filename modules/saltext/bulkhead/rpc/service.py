"""Run the broker: logging to a file, the watcher loop, clean exit on SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import logging.handlers
import os
import signal
import threading
from pathlib import Path
from types import FrameType

from ..gui.supervisor import GuiRelays
from ..untrusted.log_format import EscapingFormatter
from .broker import Broker
from .call_limits import CallLimits
from .clipboard_keys import ClipboardKeys, compositor_ipc
from .host import Host
from .prompt import Prompt
from .watcher import Watcher

DEFAULT_LOG = Path("/var/log/bulkhead/broker.log")
DEFAULT_SOCKET_DIR = Path("/run/bulkhead/rpc")
# The log file is rotated (guests' lines are also rate-limited per domain: guest_limits.py).
LOG_MAX_BYTES = 10 * 1024 * 1024
LOG_BACKUPS = 4
GUI_STOP_TIMEOUT_S = 15.0
# How often disposables whose deletion failed are tried again (a Salt run holding the apply
# lock, libvirtd restarting): their volumes hold what a call left in them.
LEFTOVERS_RETRY_S = 60.0


def broker_logger(path: Path | None, max_bytes: int = LOG_MAX_BYTES,
                  backups: int = LOG_BACKUPS) -> logging.Logger:
    log = logging.getLogger("bulkhead.rpc.broker")
    log.setLevel(logging.INFO)
    log.propagate = False
    handler: logging.Handler
    if path is None:
        handler = logging.StreamHandler()
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=max_bytes, backupCount=backups
        )
    # Guest text (names, refusal reasons) reaches this log: escaped at the sink, whatever logs it.
    handler.setFormatter(EscapingFormatter("%(asctime)s %(levelname)s %(message)s"))
    log.handlers[:] = [handler]
    return log


def serve(
    host: Host,
    policy_dir: Path,
    prompt: Prompt,
    socket_dir: Path,
    log: logging.Logger,
    interval: float = 0.5,
    stop: threading.Event | None = None,
    limits: CallLimits | None = None,
) -> None:
    limits = limits or CallLimits()
    broker = Broker(host, policy_dir, prompt, log, limits=limits)
    watcher = Watcher(broker, socket_dir, interval)
    stopping = stop or threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping", signum)
        stopping.set()
        watcher.stop()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
    log.info(
        "broker started (pid %d): policy %s, sockets %s, calls limited to %gs and %d output bytes",
        os.getpid(),
        policy_dir,
        socket_dir,
        limits.timeout_s,
        limits.max_output,
    )
    _remove_leftovers(host, log)  # an earlier broker's, before any call
    threading.Thread(target=_retry_leftovers, args=(host, log, stopping),
                     name="dispvm-leftovers", daemon=True).start()
    thread = threading.Thread(target=watcher.run, name="rpc-watcher", daemon=True)
    thread.start()
    pillar = getattr(host, "pillar", None)  # a broker with a pillar serves its GUI domains too
    gui = None
    if pillar is not None:
        relays = GuiRelays(pillar, host.running, log)
        gui = threading.Thread(target=relays.run, args=(stopping, interval), name="gui-relays",
                               daemon=True)
        gui.start()
        keys = ClipboardKeys(lambda: compositor_ipc(pillar()), relays.filter_pids,
                             Path(policy_dir), host.system, prompt, log)
        threading.Thread(target=keys.run, args=(stopping,), name="clipboard-keys",
                         daemon=True).start()
    while not stopping.wait(1.0):
        pass
    if gui is not None:
        gui.join(GUI_STOP_TIMEOUT_S)  # the relays' clients end and their folders go first
    watcher.stop()
    broker.close()
    log.info("broker stopped")


def _remove_leftovers(host: Host, log: logging.Logger, earlier: bool = True) -> None:
    try:
        for name in host.remove_leftovers(earlier):
            log.info("deleted disposable %s, left behind by an earlier broker or call", name)
    except Exception as exc:  # noqa: BLE001 - libvirt down: the broker still serves, and retries
        log.error("cannot delete disposables left behind (tried again later): %s", exc)


def _retry_leftovers(host: Host, log: logging.Logger, stopping: threading.Event) -> None:
    while not stopping.wait(LEFTOVERS_RETRY_S):
        _remove_leftovers(host, log, earlier=False)  # only this broker's own
