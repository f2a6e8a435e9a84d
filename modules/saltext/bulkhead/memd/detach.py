"""Start bulkhead-memd in the background and report only once it serves (no systemd to do it).

The process forks: the child leaves the caller's session and becomes the daemon; the parent waits
until the child's pidfile names it (written once its socket listens) and exits 0, or exits 1 when
the child died or did not get ready in time. The caller (the Salt state) thus learns of a bad
configuration or a busy socket at once, with the log saying why.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from .pidfile import read_pidfile

READY_TIMEOUT_S = 20.0


def detach(pidfile: Path, timeout: float = READY_TIMEOUT_S) -> int | None:
    """In the child: None (carry on as the daemon). In the parent: the exit code to end with."""
    child = os.fork()
    if child == 0:
        os.setsid()  # no controlling terminal; a signal to the caller's group does not reach it
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.chdir("/")
        return None
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(child, os.WNOHANG)
        if done:
            print(f"bulkhead-memd exited during start-up ({_how(status)})", flush=True)
            return 1
        record = read_pidfile(pidfile)
        if record is not None and record.pid == child:
            return 0
        if time.monotonic() > deadline:
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
            print(f"bulkhead-memd was not ready within {timeout:g}s; killed it", flush=True)
            return 1
        time.sleep(0.05)


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"status {os.waitstatus_to_exitcode(status)}"
