"""bulkhead_memory.managed through the real Salt loaders: a real bulkhead-memd process is started,
found again, restarted on a configuration change and stopped (it balances test:///default, where
nothing runs, so it stays idle). Every path is private to the test.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import time
from pathlib import Path

import pytest

from saltext.bulkhead.memd.pidfile import alive, is_memd, read_pidfile
from saltext.bulkhead.memd.service import ServicePaths, running_daemon, stop
from saltext.bulkhead.memd_client import ask


@pytest.fixture
def paths(tmp_path):
    paths = {
        "config": str(tmp_path / "etc" / "memd.json"),
        "pidfile": str(tmp_path / "run" / "memd.pid"),
        "log": str(tmp_path / "log" / "memd.log"),
    }
    yield paths
    # whatever a failing assertion left behind: only the daemon this test started
    record = read_pidfile(tmp_path / "run" / "memd.pid")
    if record is not None and is_memd(record.pid, tmp_path / "etc" / "memd.json"):
        os.kill(record.pid, signal.SIGKILL)


@pytest.fixture
def memory_pillar(tmp_path):
    def _pillar(**settings) -> dict:
        memory = {"socket": str(tmp_path / "run" / "memd.sock"), "host_mib": 4096, **settings}
        return {
            "host": {"uri": "test:///default", "workstation": "test-memory"},
            "memory": memory,
            "domains": {
                "tpl": {
                    "class": "template",
                    "netvm": "none",
                    "image": {"kind": "disk", "root": "/srv/tpl.qcow2"},
                },
                "work": {"class": "app", "template": "tpl"},
                "vault": {"class": "app", "template": "tpl"},
            },
        }

    return _pillar


def managed(loaders, paths, test=False):
    return loaders.states.bulkhead_memory.managed(name="bulkhead-memd", test=test, **paths)


def daemon_pid(paths) -> int:
    record = read_pidfile(Path(paths["pidfile"]))
    assert record is not None, "no pidfile"
    return record.pid


def test_test_mode_previews_and_changes_nothing(
    loaders, set_pillar, paths, memory_pillar, tmp_path
):
    set_pillar(memory_pillar())
    preview = managed(loaders, paths, test=True)
    assert preview.result is None, preview.comment
    assert preview.changes["daemon"] == {"old": "stopped", "new": "running"}
    assert '+  "interval": 2.0' in preview.changes["config"]
    assert not (tmp_path / "etc").exists() and not (tmp_path / "run").exists()


def test_starts_then_no_changes_then_restarts_on_a_new_config_then_stops(
        loaders, set_pillar, paths, memory_pillar, tmp_path):
    set_pillar(memory_pillar(interval=0.5))
    first = managed(loaders, paths)
    assert first.result is True, first.comment
    assert set(first.changes) == {"config", "daemon"}
    config = tmp_path / "etc" / "memd.json"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    written = json.loads(config.read_text())
    assert (written["uri"], written["domains"], written["interval"]) == (
        "test:///default",
        ["tpl", "vault", "work"],
        0.5,
    )
    pid = daemon_pid(paths)
    assert is_memd(pid, config)
    status = ask(tmp_path / "run" / "memd.sock", {"op": "status"})
    assert status["ok"] is True and status["capacity_kib"] == (4096 - 512) * 1024  # it balances

    again = managed(loaders, paths)
    assert (again.result, again.changes) == (True, {}), again.comment
    assert daemon_pid(paths) == pid

    set_pillar(memory_pillar(interval=0.5, reserve_mib=1024))
    preview = managed(loaders, paths, test=True)
    assert preview.result is None and preview.changes["daemon"]["new"] == "restarted"
    assert daemon_pid(paths) == pid  # the preview restarted nothing
    restarted = managed(loaders, paths)
    assert restarted.result is True, restarted.comment
    assert '+  "reserve_mib": 1024' in restarted.changes["config"]
    assert daemon_pid(paths) != pid and not alive(pid)
    status = ask(tmp_path / "run" / "memd.sock", {"op": "status"})
    assert status["capacity_kib"] == (4096 - 1024) * 1024

    set_pillar({"host": {"uri": "test:///default", "workstation": "test-memory"}})
    new_pid = daemon_pid(paths)
    stopped = managed(loaders, paths)
    assert stopped.result is True, stopped.comment
    assert stopped.changes["daemon"] == {"old": "running", "new": "stopped"}
    assert not alive(new_pid) and not config.exists()
    assert not (tmp_path / "run" / "memd.sock").exists()
    assert (managed(loaders, paths).changes) == {}


def test_a_killed_daemon_is_started_again(loaders, set_pillar, paths, memory_pillar):
    set_pillar(memory_pillar())
    assert managed(loaders, paths).result is True
    pid = daemon_pid(paths)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    again = managed(loaders, paths)
    assert again.result is True, again.comment
    assert again.changes == {"daemon": {"old": "stopped", "new": "running"}}  # config unchanged
    assert daemon_pid(paths) != pid


def test_a_daemon_running_another_command_line_is_restarted(
        loaders, set_pillar, paths, memory_pillar):
    set_pillar(memory_pillar())
    assert managed(loaders, paths).result is True
    service = ServicePaths(Path(paths["config"]), Path(paths["pidfile"]), Path(paths["log"]))
    stop(running_daemon(service), service)
    quiet = [arg for arg in service.command() if arg != "--verbose"]  # same config, other arguments
    service.process().start(quiet)
    pid = daemon_pid(paths)
    assert is_memd(pid, service.config)
    again = managed(loaders, paths)
    assert again.result is True, again.comment
    assert again.changes == {"daemon": {"old": "running other arguments", "new": "restarted"}}
    assert daemon_pid(paths) != pid and not alive(pid)
    assert running_daemon(service).argv[1:] == service.command()[1:]
    assert managed(loaders, paths).changes == {}


def test_a_daemon_that_cannot_start_fails_the_state_with_its_log(
        loaders, set_pillar, paths, memory_pillar, tmp_path):
    (tmp_path / "blocker").write_text("a file where the socket's folder should be\n")
    set_pillar(memory_pillar(socket=str(tmp_path / "blocker" / "memd.sock")))
    failed = managed(loaders, paths)
    assert failed.result is False
    assert (
        "bulkhead-memd did not start" in failed.comment
        and "exited during start-up" in failed.comment
    )
    assert read_pidfile(tmp_path / "run" / "memd.pid") is None


def test_an_invalid_pillar_changes_nothing(loaders, set_pillar, paths, memory_pillar, tmp_path):
    set_pillar(memory_pillar(reserve_mib=8192))  # more than host_mib
    failed = managed(loaders, paths)
    assert failed.result is False
    assert "bulkhead:memory:host_mib: 4096 MiB leaves nothing for domains" in failed.comment
    assert not (tmp_path / "etc").exists()


def test_formula_orders_the_daemon_before_every_domain(loaders, set_pillar):
    set_pillar({"host": {"workstation": "test-memory"}, "memory": {}, "domains": {
        "tpl": {"class": "template", "netvm": "none",
                "image": {"kind": "disk", "root": "/srv/images/tpl.qcow2"}},
        "work": {"class": "app", "template": "tpl", "running": True}}})
    low = loaders.modules.state.show_sls("bulkhead")
    assert low["bulkhead-memory-daemon"]["__sls__"] == "bulkhead.memory"
    for state_id in ("bulkhead-domains-tpl", "bulkhead-domains-work"):
        requires = next(
            arg["require"] for arg in low[state_id]["bulkhead_domain"] if "require" in arg
        )
        assert {"sls": "bulkhead.memory"} in requires


def test_without_arguments_the_paths_come_from_the_pillar(
    loaders, set_pillar, memory_pillar, tmp_path
):
    """The formula passes no paths: bulkhead:formula:paths puts a second daemon beside the first."""
    own = {
        "memd_config": str(tmp_path / "own" / "memd.json"),
        "memd_pidfile": str(tmp_path / "own" / "memd.pid"),
        "memd_log": str(tmp_path / "own" / "memd.log"),
    }
    set_pillar({**memory_pillar(), "formula": {"paths": own}})
    try:
        started = loaders.states.bulkhead_memory.managed(name="bulkhead-memd")
        assert started.result is True, started.comment
        record = read_pidfile(Path(own["memd_pidfile"]))
        assert record is not None and is_memd(record.pid, Path(own["memd_config"]))
        assert Path(own["memd_log"]).exists()
        set_pillar({"host": {"uri": "test:///default", "workstation": "test-memory"},
                    "formula": {"paths": own}})
        stopped = loaders.states.bulkhead_memory.managed(name="bulkhead-memd")
        assert stopped.changes["daemon"] == {"old": "running", "new": "stopped"}, stopped.comment
        assert (
            not is_memd(record.pid, Path(own["memd_config"]))
            and not Path(own["memd_config"]).exists()
        )
    finally:
        record = read_pidfile(Path(own["memd_pidfile"]))
        if record is not None and is_memd(record.pid, Path(own["memd_config"])):
            os.kill(record.pid, signal.SIGKILL)
