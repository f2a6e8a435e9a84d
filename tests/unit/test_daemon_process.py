"""DaemonProcess with real processes: a pid is trusted only while its command line is the daemon's,
a start waits for the pidfile and reports the log on failure, a stop escalates to SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from saltext.bulkhead.daemon_process import DaemonError, DaemonProcess, alive

# A stand-in daemon: says hello, writes its pidfile (its readiness) unless told not to, then waits.
# With --config FILE it records the file's first line after its pid, as bulkhead-memd its digest.
SERVE = """
import os, signal, sys, time
print("stand-in starting", flush=True)
if "--ignore-term" in sys.argv:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if "--never-ready" not in sys.argv:
    pidfile = sys.argv[sys.argv.index("--pidfile") + 1]
    loaded = ""
    if "--config" in sys.argv:
        loaded = open(sys.argv[sys.argv.index("--config") + 1]).readline()
    open(pidfile + ".new", "w").write(f"{os.getpid()}\\n{loaded}")
    os.replace(pidfile + ".new", pidfile)
time.sleep(60)
"""


def standin(tmp_path, stop_timeout: float):
    """The stand-in daemon's DaemonProcess under ``tmp_path``; killed after the test."""
    pidfile = tmp_path / "run" / "standin.pid"
    found = DaemonProcess("the stand-in", pidfile, tmp_path / "log" / "standin.log",
                          marks=("--pidfile", str(pidfile)), start_timeout=10.0,
                          stop_timeout=stop_timeout)
    yield found
    running = found.running()
    if running is not None:
        os.kill(running.pid, signal.SIGKILL)


@pytest.fixture
def daemon(tmp_path):
    yield from standin(tmp_path, stop_timeout=0.5)


def argv(daemon: DaemonProcess, *flags: str) -> list[str]:
    return [sys.executable, "-c", SERVE, "--pidfile", str(daemon.pidfile), *flags]


@pytest.fixture
def sleeper():
    process = subprocess.Popen(["sleep", "60"])
    yield process
    process.kill()
    process.wait()


def test_start_waits_for_the_pidfile_and_stop_removes_it(daemon):
    daemon.start(argv(daemon))
    found = daemon.running()
    pid, args = found.pid, found.argv
    assert args[-2:] == ["--pidfile", str(daemon.pidfile)] and alive(pid)
    daemon.stop(pid)
    assert not alive(pid) and daemon.running() is None and not daemon.pidfile.exists()


def test_a_recycled_pid_is_neither_taken_for_the_daemon_nor_signalled(daemon, sleeper):
    daemon.pidfile.parent.mkdir(parents=True)
    daemon.pidfile.write_text(f"{sleeper.pid}\n")  # the daemon's old pid, now another program's
    assert daemon.command_line(sleeper.pid) is None and daemon.running() is None
    daemon.stop(sleeper.pid)
    assert alive(sleeper.pid) and sleeper.poll() is None


def test_a_stale_pidfile_names_no_daemon(daemon, sleeper):
    sleeper.kill()
    sleeper.wait()
    daemon.pidfile.parent.mkdir(parents=True)
    for text in (f"{sleeper.pid}\n", "", "not a pid\n", "-5\n"):
        daemon.pidfile.write_text(text)
        assert daemon.running() is None, text


def test_a_start_that_exits_fails_with_the_log_tail(daemon):
    with pytest.raises(DaemonError) as failed:
        daemon.start([sys.executable, "-c", "print('no socket for you'); raise SystemExit(3)",
                      "--pidfile", str(daemon.pidfile)])
    message = str(failed.value)
    assert message.startswith("the stand-in did not start: it exited during start-up (status 3)")
    assert message.endswith(f"{daemon.log} ends with: no socket for you")


def test_a_start_never_ready_is_killed_and_fails_with_the_log_tail(daemon):
    slow = DaemonProcess(daemon.name, daemon.pidfile, daemon.log, daemon.marks, start_timeout=1.0)
    with pytest.raises(
        DaemonError, match=r"did not start within 1s; .* ends with: stand-in starting"
    ):
        slow.start(argv(daemon, "--never-ready"))
    left = [pid for pid in os.listdir("/proc") if pid.isdigit() and daemon.command_line(int(pid))]
    assert left == []  # the stand-in that never got ready was killed


def test_stop_kills_a_daemon_that_ignores_sigterm(daemon):
    daemon.start(argv(daemon, "--ignore-term"))
    pid = daemon.running().pid
    began = time.monotonic()
    daemon.stop(pid)
    assert not alive(pid) and not daemon.pidfile.exists()  # SIGKILL leaves it; stop removes it
    assert time.monotonic() - began >= daemon.stop_timeout
