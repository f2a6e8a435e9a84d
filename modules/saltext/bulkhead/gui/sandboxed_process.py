"""Start and end one sandboxed process of a domain's relay, and find its pid on the host.

The relay's processes are bwrap (root) -> bwrap's pid 1 in the new pid namespace (root) ->
setpriv, which becomes the program as the domain's user: that last process is the one that
connects (the filter to the compositor, whose peer credentials give sway this host pid).
Their stderr (the filter's log lines, escaped where they are made) goes to the broker's log
line by line, bounded, so a chatty process never blocks on a full pipe.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
import time
from collections import deque
from pathlib import Path

from ..untrusted.text import printable

LINE_MAX = 4096
START_TIMEOUT_S = 10.0


def user_pid(root_pid: int, uid: int) -> int | None:
    """The first process under ``root_pid`` running as ``uid`` (the sandboxed program)."""
    todo = [root_pid]
    while todo:
        pid = todo.pop()
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            if pid != root_pid and os.stat(f"/proc/{pid}").st_uid == uid:
                return pid
        except OSError:
            continue
        todo += [int(c) for c in children]
    return None


def wait_for(process: subprocess.Popen, uid: int, path: Path) -> int | None:
    """The sandboxed program's pid once ``path`` (its socket) exists; None if it died or took
    longer than START_TIMEOUT_S."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        pid = user_pid(process.pid, uid)
        if pid is not None and path.exists():
            return pid
        time.sleep(0.02)
    return None


def start(argv: list[str], log: logging.Logger, name: str) -> tuple[subprocess.Popen, deque]:
    """``argv`` started with its stderr logged; the last lines are kept for error messages."""
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, close_fds=True)
    last: deque[str] = deque(maxlen=5)

    def forward() -> None:
        with process.stderr:
            for raw in iter(lambda: process.stderr.readline(LINE_MAX), b""):
                line = printable(raw.decode("utf-8", "replace").rstrip())
                last.append(line)
                log.info("%s: %s", name, line)

    threading.Thread(target=forward, name=f"{name}-stderr", daemon=True).start()
    return process, last


def end(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
