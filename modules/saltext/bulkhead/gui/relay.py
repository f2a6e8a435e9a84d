"""One domain's GUI relay: its channel, handed session after session to a sandboxed waypipe client.

The relay (root, in the broker) holds the connection to the domain's GUI channel socket, which it
opened in root's 0700 folder; the sandboxes never see that folder. Before any session it starts
the domain's Wayland filter (``filter_chain()``, sandboxed as the domain's user, for the relay's
lifetime: its clipboard is the domain's) and labels that process's windows in sway
(``labels.window_rule``: keyed on the pid of the filter, the one client sway sees). For each GUI
session it starts ``client_chain()`` in a sandbox whose only display is the filter's socket and
copies bytes both ways, reading only the guest's frame lengths (``frames.py``): at the end of a
session the client is ended, and the next session gets a fresh process. Without a running filter
no session starts. The domain stopping closes the channel: the relay stops its client and filter
and ends. What the host parses of the guest's bytes is parsed by waypipe and the filter,
unprivileged, with no network.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import shutil
import socket
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from ..model.label import Label
from . import sandboxed_process
from .chain import client_chain, filter_chain
from .frames import END, Frames
from .labels import window_rule
from .names import FILTER_SOCKET, WAYPIPE_SOCKET
from .sandbox import sandboxed
from .sway_ipc import swaymsg

CHUNK = 64 * 1024
# A peer that takes no byte for this long while the relay has some for it (a guest that never
# reads its port, a stuck client) ends the relay: each side holds at most CHUNK of the relay's.
SEND_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class RelayTarget:
    domain: str
    label: Label
    uid: int
    gid: int
    session: Path  # the relay user's folder on the host
    compositor: str  # the compositor's Wayland socket
    sway: Path  # its IPC socket


class Relay(threading.Thread):
    def __init__(self, target: RelayTarget, channel: socket.socket, log: logging.Logger,
                 send_timeout: float = SEND_TIMEOUT_S):
        super().__init__(name=f"gui-relay-{target.domain}", daemon=True)
        self.target, self.channel, self.log = target, channel, log
        self.send_timeout = send_timeout
        channel.settimeout(send_timeout)  # reads only when ready: the timeout bounds sends
        self._stopping = threading.Event()
        self.process: subprocess.Popen[bytes] | None = None
        self.filter: subprocess.Popen[bytes] | None = None
        self.filter_pid: int | None = None  # the process sway sees as the domain's client
        self.sessions = 0
        self.frames = Frames()
        self._pending: list[bytes | None] = []  # the next session's frames, read with the last end

    def run(self) -> None:
        try:
            while not self._stopping.is_set() and self._session():
                self.sessions += 1
        except Exception as exc:  # a relay failing must not take the broker down
            if not self._stopping.is_set():  # not the stop cutting a session short
                self.log.error("%s: GUI relay failed: %s", self.target.domain, exc)
        finally:
            self.close()

    def close(self) -> None:
        """End the client and the filter, close the channel, remove the session folder."""
        self._end_process()
        sandboxed_process.end(self.filter)
        self.channel.close()
        shutil.rmtree(self.target.session, ignore_errors=True)

    def stop(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):  # a send blocked on a guest that does not read ends
            self.channel.shutdown(socket.SHUT_RDWR)
        self._end_process()
        sandboxed_process.end(self.filter)

    def start_filter(self) -> None:
        """The domain's filter up and its windows' label rule in sway, or an error (before the
        relay thread starts: no session without it)."""
        t = self.target
        shutil.rmtree(t.session, ignore_errors=True)
        t.session.mkdir(mode=0o700, parents=True)
        os.chown(t.session, t.uid, t.gid)
        argv = sandboxed(filter_chain(t.domain, t.compositor), t.uid, t.gid, t.session)
        self.filter, last = sandboxed_process.start(argv, self.log, f"{t.domain}: filter")
        pid = sandboxed_process.wait_for(self.filter, t.uid, t.session / FILTER_SOCKET)
        if pid is None:
            raise RuntimeError(f"the Wayland filter did not start: {' / '.join(last)}")
        # the label rule exists before any session's first byte reaches the filter
        swaymsg(t.sway, window_rule(pid, t.domain, t.label))
        self.filter_pid = pid

    def _start_client(self) -> socket.socket:
        t = self.target
        if self.filter is None or self.filter.poll() is not None:
            raise RuntimeError("the Wayland filter is not running: no session without it")
        path = t.session / WAYPIPE_SOCKET
        path.unlink(missing_ok=True)
        argv = sandboxed(client_chain(), t.uid, t.gid, t.session)
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, close_fds=True)
        pid = sandboxed_process.wait_for(self.process, t.uid, path)
        if pid is None:
            raise RuntimeError(f"waypipe client did not start within "
                               f"{sandboxed_process.START_TIMEOUT_S:.0f}s")
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(str(path))
        self.log.info("%s: GUI session started (waypipe client pid %d, filter pid %d)", t.domain,
                      pid, self.filter_pid)
        return client

    def _session(self) -> bool:
        """One session; False once the channel is gone (the domain stopped)."""
        client = self._start_client()
        client.settimeout(self.send_timeout)
        try:
            return self._copy(client)
        finally:
            client.close()
            self._end_process()

    def _copy(self, client: socket.socket) -> bool:
        """Until the session ends (True) or the channel closes or breaks the framing (False)."""
        if self._to_client(client, []):
            return True
        with selectors.DefaultSelector() as sel:
            sel.register(self.channel, selectors.EVENT_READ)
            sel.register(client, selectors.EVENT_READ)
            while not self._stopping.is_set():
                for key, _ in sel.select(timeout=0.5):
                    if key.fileobj is client:
                        data = client.recv(CHUNK)
                        if not data:  # waypipe ended on its own: a fresh one for what follows
                            return True
                        self.channel.sendall(data)
                        continue
                    data = self.channel.recv(CHUNK)
                    if not data:
                        return False
                    if self._to_client(client, self.frames.feed(data)):
                        return True
        return False

    def _to_client(self, client: socket.socket, frames: list[bytes | None]) -> bool:
        """Pass the frames read to the client; True at the session's end (the rest kept)."""
        self._pending += frames
        while self._pending:
            item = self._pending.pop(0)
            if item is END:
                return True
            client.sendall(item)
        return False

    def _end_process(self) -> None:
        sandboxed_process.end(self.process)
