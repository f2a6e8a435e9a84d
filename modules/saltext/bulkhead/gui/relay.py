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

Here: the thread's life (sessions one after another, stop, close); starting the sandboxed
processes is ``relay_processes.py``, copying a session's bytes ``session_copy.py``.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import subprocess
import threading

from . import sandboxed_process
from .relay_processes import start_client, start_filter
from .relay_target import RelayTarget
from .session_copy import CHUNK, SessionCopy

__all__ = ["CHUNK", "SEND_TIMEOUT_S", "Relay", "RelayTarget"]

# A peer that takes no byte for this long while the relay has some for it (a guest that never
# reads its port, a stuck client) ends the relay: each side holds at most CHUNK of the relay's.
SEND_TIMEOUT_S = 60.0


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
        self.copier = SessionCopy()

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
        self.filter, self.filter_pid = start_filter(self.target, self.log)

    def _start_client(self) -> socket.socket:
        self.process, pid, client = start_client(self.target, self.filter)
        self.log.info("%s: GUI session started (waypipe client pid %d, filter pid %d)",
                      self.target.domain, pid, self.filter_pid)
        return client

    def _session(self) -> bool:
        """One session; False once the channel is gone (the domain stopped)."""
        client = self._start_client()
        client.settimeout(self.send_timeout)
        try:
            return self.copier.copy(self.channel, client, self._stopping)
        finally:
            client.close()
            self._end_process()

    def _end_process(self) -> None:
        sandboxed_process.end(self.process)
