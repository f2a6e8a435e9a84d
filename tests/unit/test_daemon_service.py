"""The one daemon manager (``daemon_service``) with real processes, the stand-in daemon of
test_daemon_process: each kind of drift (another executable, other arguments, another
configuration) restarts the daemon, test mode reports the restart without making it, and a daemon
as wanted (whatever path spells its interpreter) is left alone."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from saltext.bulkhead.daemon_process import DaemonProcess, alive
from saltext.bulkhead.daemon_service import Wanted, drift, keep_running, keep_stopped
from saltext.bulkhead.reconcile import Outcome, Work

from .test_daemon_process import SERVE, standin


@pytest.fixture
def daemon(tmp_path):
    yield from standin(tmp_path, stop_timeout=2.0)


@pytest.fixture
def interpreter(tmp_path) -> Path:
    """An interpreter file of this test's own, so that it can be replaced as an upgrade does."""
    path = tmp_path / "bin" / "python3"
    path.parent.mkdir()
    shutil.copy2(os.path.realpath(sys.executable), path)
    return path


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / "standin.conf"
    path.write_text("digest-one\n")
    return path


def wanted(daemon: DaemonProcess, python: Path, config: Path, *flags: str) -> Wanted:
    argv = [str(python), "-c", SERVE, "--pidfile", str(daemon.pidfile), "--config", str(config)]
    return Wanted([*argv, *flags], config.read_text().strip())


def converge(daemon: DaemonProcess, want: Wanted, test: bool = False) -> Outcome:
    work = Work()
    keep_running(work, daemon, want, "daemon")
    return work.finish(test, "the stand-in")


def test_a_daemon_as_wanted_is_left_alone_whatever_spells_its_interpreter(
        daemon, interpreter, config, tmp_path):
    want = wanted(daemon, interpreter, config)
    started = converge(daemon, want)
    assert started.changes == {"daemon": {"old": "stopped", "new": "running"}}, started.comment
    pid = daemon.running().pid
    assert converge(daemon, want).changes == {}
    (tmp_path / "alias").symlink_to(interpreter)  # another path to the same file
    assert drift(daemon.running(), wanted(daemon, tmp_path / "alias", config)) == []
    assert converge(daemon, wanted(daemon, tmp_path / "alias", config)).changes == {}
    assert daemon.running().pid == pid


def replace_interpreter(interpreter: Path, daemon, config) -> Wanted:
    """An upgrade: a new file renamed over the one the daemon runs."""
    staging = interpreter.with_name("python3.new")
    shutil.copy2(interpreter, staging)
    os.replace(staging, interpreter)
    return wanted(daemon, interpreter, config)


def other_arguments(interpreter: Path, daemon, config) -> Wanted:
    return wanted(daemon, interpreter, config, "--verbose")


def another_configuration(interpreter: Path, daemon, config) -> Wanted:
    config.write_text("digest-two\n")
    return wanted(daemon, interpreter, config)


@pytest.mark.parametrize(("change", "reason"), [
    (replace_interpreter, "another executable"),
    (other_arguments, "other arguments"),
    (another_configuration, "another configuration"),
])
def test_each_kind_of_drift_restarts_the_daemon(daemon, interpreter, config, change, reason):
    assert converge(daemon, wanted(daemon, interpreter, config)).result is True
    old = daemon.running()
    assert drift(old, wanted(daemon, interpreter, config)) == []

    want = change(interpreter, daemon, config)
    assert drift(daemon.running(), want) == [reason]
    preview = converge(daemon, want, test=True)
    assert preview.result is None, preview.comment
    assert preview.changes == {"daemon": {"old": f"running {reason}", "new": "restarted"}}
    assert daemon.running().pid == old.pid  # the preview restarted nothing

    restarted = converge(daemon, want)
    assert restarted.result is True, restarted.comment
    assert restarted.changes == preview.changes
    new = daemon.running()
    assert new.pid != old.pid and not alive(old.pid) and drift(new, want) == []
    assert converge(daemon, want).changes == {}  # a second run finds nothing to do


def test_a_replaced_executable_shows_as_deleted(daemon, interpreter, config):
    converge(daemon, wanted(daemon, interpreter, config))
    replace_interpreter(interpreter, daemon, config)
    assert daemon.running().executable == f"{interpreter} (deleted)"


def test_stopped_stops_and_then_finds_nothing_to_do(daemon, interpreter, config):
    converge(daemon, wanted(daemon, interpreter, config))
    pid = daemon.running().pid
    work = Work()
    keep_stopped(work, daemon, "daemon")
    stopped = work.finish(False, "the stand-in")
    assert stopped.changes == {"daemon": {"old": "running", "new": "stopped"}}, stopped.comment
    assert not alive(pid) and daemon.running() is None
    again = Work()
    keep_stopped(again, daemon, "daemon")
    assert again.finish(False, "the stand-in").changes == {}
