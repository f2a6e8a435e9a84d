"""Start a relay's two sandboxed processes: the domain's Wayland filter (once per relay, labelled
in sway before any session) and a session's waypipe client (whose only display is the filter)."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess

from . import sandboxed_process
from .chain import client_chain, filter_chain
from .labels import window_rule
from .names import FILTER_SOCKET, WAYPIPE_SOCKET
from .relay_target import RelayTarget
from .sandbox import sandboxed
from .sway_ipc import swaymsg


def start_filter(t: RelayTarget, log: logging.Logger) -> tuple[subprocess.Popen[bytes], int]:
    """The domain's filter up and its windows' label rule in sway (the process and the pid sway
    sees), or an error: no session without it. The session folder is made afresh for it."""
    shutil.rmtree(t.session, ignore_errors=True)
    t.session.mkdir(mode=0o700, parents=True)
    os.chown(t.session, t.uid, t.gid)
    argv = sandboxed(filter_chain(t.domain, t.compositor), t.uid, t.gid, t.session)
    process, last = sandboxed_process.start(argv, log, f"{t.domain}: filter")
    pid = sandboxed_process.wait_for(process, t.uid, t.session / FILTER_SOCKET)
    if pid is None:
        sandboxed_process.end(process)
        raise RuntimeError(f"the Wayland filter did not start: {' / '.join(last)}")
    try:  # the label rule exists before any session's first byte reaches the filter
        swaymsg(t.sway, window_rule(pid, t.domain, t.label))
    except BaseException:
        sandboxed_process.end(process)
        raise
    return process, pid


def start_client(t: RelayTarget,
                 filter_: subprocess.Popen[bytes] | None) -> tuple[subprocess.Popen[bytes], int,
                                                                    socket.socket]:
    """A session's waypipe client (its process, its host pid) and the relay's connection to it;
    an error if the filter is not running (fail closed)."""
    if filter_ is None or filter_.poll() is not None:
        raise RuntimeError("the Wayland filter is not running: no session without it")
    path = t.session / WAYPIPE_SOCKET
    path.unlink(missing_ok=True)
    argv = sandboxed(client_chain(), t.uid, t.gid, t.session)
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, close_fds=True)
    pid = sandboxed_process.wait_for(process, t.uid, path)
    if pid is None:
        sandboxed_process.end(process)
        raise RuntimeError(f"waypipe client did not start within "
                           f"{sandboxed_process.START_TIMEOUT_S:.0f}s")
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect(str(path))
    except OSError:
        client.close()
        sandboxed_process.end(process)
        raise
    return process, pid, client
