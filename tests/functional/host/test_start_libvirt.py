"""scripts/start-libvirt.sh against fake daemons in a tmp dir (the host's libvirtd is never
touched): a daemon is started when none answers, also when its pidfile names a zombie left by
``kill -9``; a daemon that answers is left alone; a live but silent one is reported, not doubled."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "start-libvirt.sh"
FAKE = Path(__file__).with_name("fake_daemon.py")
DAEMONS = ("virtlogd", "libvirtd")


@pytest.fixture
def rig(tmp_path):
    """The script's environment pointing at fake daemons; kills every fake it started."""
    (tmp_path / "bin").mkdir()
    env = dict(os.environ, BULKHEAD_LIBVIRT_URI="", BULKHEAD_KVM_DEVICE=str(tmp_path / "no-kvm"),
               BULKHEAD_LIBVIRT_DIRS=str(tmp_path / "run"), BULKHEAD_LIBVIRT_WAIT_S="2")
    for name in DAEMONS:
        fake = tmp_path / "bin" / name
        fake.write_text(f"#!{sys.executable}\n" + FAKE.read_text())
        fake.chmod(0o755)
        upper = name.upper()
        env[f"BULKHEAD_{upper}"] = str(fake)
        env[f"BULKHEAD_{upper}_PIDFILE"] = str(tmp_path / f"{name}.pid")
        env[f"BULKHEAD_{upper}_SOCK"] = str(tmp_path / f"{name}-sock")
    yield tmp_path, env
    for name in DAEMONS:
        for pid in starts(tmp_path, name):
            # Only a fake of this test: one it killed already may have left its pid to another
            # process (another test's, or a host daemon), which must not be killed in its place.
            if is_fake(pid, tmp_path / "bin" / name):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def is_fake(pid: int, fake: Path) -> bool:
    try:
        return str(fake).encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def run_script(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True,
                          timeout=60, check=False)


def starts(tmp_path: Path, name: str) -> list[int]:
    log = tmp_path / f"{name}.pid.starts"
    return [int(line) for line in log.read_text().split()] if log.exists() else []


def answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as sock:
        try:
            sock.connect(str(path))
        except OSError:
            return False
        return True


def state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_starts_both_daemons_when_none_answers_and_a_second_run_leaves_them_alone(rig):
    tmp_path, env = rig
    first = run_script(env)
    assert first.returncode == 0, first.stderr
    pids = {name: starts(tmp_path, name) for name in DAEMONS}
    assert all(len(p) == 1 for p in pids.values()), pids
    assert all(answers(tmp_path / f"{name}-sock") for name in DAEMONS)
    again = run_script(env)
    assert again.returncode == 0, again.stderr
    assert {name: starts(tmp_path, name) for name in DAEMONS} == pids  # nothing started again
    assert (tmp_path / "run").is_dir()  # the directories it prepares, as before


def test_a_zombie_in_the_pidfile_is_no_daemon_a_new_one_is_started(rig):
    """What `kill -9 libvirtd` leaves when nobody reaps it: a zombie named libvirtd, its pid in
    the pidfile, and a socket file nobody listens on."""
    tmp_path, env = rig
    assert run_script(env).returncode == 0
    killed = starts(tmp_path, "libvirtd")[0]
    os.kill(killed, signal.SIGKILL)
    zombie = subprocess.Popen([env["BULKHEAD_LIBVIRTD"], "--exit"])  # kept, never waited for
    os.waitid(os.P_PID, zombie.pid, os.WEXITED | os.WNOWAIT)  # exited, left unreaped
    assert state(zombie.pid) == "Z"
    Path(env["BULKHEAD_LIBVIRTD_PIDFILE"]).write_text(f"{zombie.pid}\n")
    assert not answers(tmp_path / "libvirtd-sock")  # the socket file stayed, nobody listens
    result = run_script(env)
    assert result.returncode == 0, result.stderr
    started = starts(tmp_path, "libvirtd")
    assert len(started) == 2 and started[1] not in (killed, zombie.pid)
    assert answers(tmp_path / "libvirtd-sock")
    assert len(starts(tmp_path, "virtlogd")) == 1  # the one still answering was left alone
    zombie.wait()


def test_a_live_but_silent_daemon_is_reported_not_doubled(rig):
    tmp_path, env = rig
    hung = subprocess.Popen([env["BULKHEAD_LIBVIRTD"], "--silent"])
    try:
        Path(env["BULKHEAD_LIBVIRTD_PIDFILE"]).write_text(f"{hung.pid}\n")
        result = run_script(env)
        assert result.returncode == 1
        assert f"pid {hung.pid} is alive but silent" in result.stderr
        assert starts(tmp_path, "libvirtd") == []  # a second daemon would only fight the first
        assert len(starts(tmp_path, "virtlogd")) == 1
    finally:
        hung.kill()
        hung.wait()


def test_a_stale_pidfile_of_another_program_does_not_stop_a_start(rig):
    """After a crash the pid may belong to another process by now: it is not the daemon."""
    tmp_path, env = rig
    other = subprocess.Popen(["sleep", "600"])
    try:
        Path(env["BULKHEAD_LIBVIRTD_PIDFILE"]).write_text(f"{other.pid}\n")
        result = run_script(env)
        assert result.returncode == 0, result.stderr
        assert len(starts(tmp_path, "libvirtd")) == 1
    finally:
        other.kill()
        other.wait()
