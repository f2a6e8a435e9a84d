"""bulkhead_rpc through the real Salt loaders: the broker started detached on test:///default,
idempotence, test mode, a settings change restarting it, and stopping it."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from typer.testing import CliRunner

from saltext.bulkhead.cli import app
from saltext.bulkhead.rpc.broker_service import BrokerPaths, running_broker


@pytest.fixture
def paths(tmp_path):
    found = BrokerPaths(
        tmp_path / "broker-pillar.json",
        tmp_path / "broker.pid",
        tmp_path / "broker.log",
        tmp_path / "rpc",
        tmp_path / "dispvms",
    )
    yield found
    running = running_broker(found)
    if running is not None:  # the broker this test started
        os.kill(running.pid, signal.SIGKILL)


def _pid_argv(paths):
    found = running_broker(paths)
    return found.pid, found.argv


def running(loaders, paths, test=False):
    return loaders.states.bulkhead_rpc.broker_running(
        name="bulkhead-rpc-broker",
        pillar_file=str(paths.pillar),
        pidfile=str(paths.pidfile),
        log=str(paths.log),
        socket_dir=str(paths.socket_dir),
        dispvm_registry=str(paths.dispvm_registry),
        test=test,
    )


def pillar(tmp_path, ask="deny", **limits):
    return {"host": {"uri": "test:///default", "workstation": "test-rpc"},
            "domains": {"work": {"class": "standalone", "tags": ["office"],
                                 "image": {"kind": "disk", "root": "/var/lib/x.qcow2"}}},
            "policy": {"dir": str(tmp_path / "policy.d"), "ask": ask, **limits}}


def test_start_idempotence_restart_and_stop(loaders, set_pillar, paths, tmp_path):
    set_pillar(pillar(tmp_path))
    preview = running(loaders, paths, test=True)
    assert preview.result is None, preview.comment
    assert set(preview.changes) == {"facts", "broker"}
    assert running_broker(paths) is None and not paths.pillar.exists()

    first = running(loaders, paths)
    assert first.result is True, first.comment
    assert set(first.changes) == {"facts", "broker"}
    pid, argv = _pid_argv(paths)
    assert argv[argv.index("--ask") + 1] == "deny"
    assert (
        argv[argv.index("--call-timeout") + 1] == "3600"
        and argv[argv.index("--max-output-mib") + 1] == "1024"
    )
    assert argv[argv.index("--dispvm-registry") + 1] == str(paths.dispvm_registry)
    assert json.loads(paths.pillar.read_text())["domains"]["work"]["tags"] == ["office"]
    deadline = time.monotonic() + 10
    while "broker started" not in (paths.log.read_text() if paths.log.exists() else ""):
        assert time.monotonic() < deadline, "no start line in the broker log"
        time.sleep(0.1)

    again = running(loaders, paths)
    assert (again.result, again.changes) == (True, {}), again.comment
    assert running_broker(paths).pid == pid

    set_pillar(pillar(tmp_path, ask="default-target"))
    changed = running(loaders, paths)
    assert changed.result is True, changed.comment
    assert changed.changes["broker"]["new"] == "restarted"
    new_pid, argv = _pid_argv(paths)
    assert new_pid != pid and argv[argv.index("--ask") + 1] == "default-target"
    assert not os.path.exists(f"/proc/{pid}") or running_broker(paths).pid != pid

    set_pillar(pillar(tmp_path, ask="default-target", call_timeout=30, call_output_mib=8))
    limited = running(loaders, paths)
    assert limited.changes["broker"]["new"] == "restarted", limited.comment
    pid, argv = _pid_argv(paths)
    assert (
        argv[argv.index("--call-timeout") + 1] == "30"
        and argv[argv.index("--max-output-mib") + 1] == "8"
    )
    deadline = time.monotonic() + 10
    while "calls limited to 30s and 8388608 output bytes" not in paths.log.read_text():
        assert time.monotonic() < deadline, "the broker did not log its limits"
        time.sleep(0.1)

    # ask: user: the broker serves the user's answer socket beside its pidfile, and removes it
    set_pillar(pillar(tmp_path, ask="user", ask_timeout=5))
    asking = running(loaders, paths)
    assert asking.changes["broker"]["new"] == "restarted", asking.comment
    pid, argv = _pid_argv(paths)
    assert argv[argv.index("--ask") + 1] == "user" and argv[argv.index("--ask-timeout") + 1] == "5"
    assert (
        argv[argv.index("--ask-socket") + 1] == str(paths.ask_socket) == str(tmp_path / "ask.sock")
    )
    deadline = time.monotonic() + 10
    while not paths.ask_socket.is_socket():
        assert time.monotonic() < deadline, "the broker did not bind its answer socket"
        time.sleep(0.1)
    listed = CliRunner().invoke(app, ["ask", "list", "--socket", str(paths.ask_socket)])
    assert (listed.exit_code, listed.stdout) == (0, "no call waits for an answer\n"), listed.output

    stopped = loaders.states.bulkhead_rpc.broker_stopped(
        name="bulkhead-rpc-broker", pidfile=str(paths.pidfile)
    )
    assert stopped.result is True and stopped.changes == {
        "broker": {"old": "running", "new": "stopped"}
    }
    assert running_broker(paths) is None and not paths.ask_socket.exists()


def test_an_invalid_pillar_starts_nothing(loaders, set_pillar, paths, tmp_path):
    set_pillar({"policy": {"ask": "sometimes"}})
    out = running(loaders, paths)
    assert out.result is False and "ask" in out.comment
    assert running_broker(paths) is None and not paths.pillar.exists()


def test_formula_starts_the_broker_after_the_policy_files(loaders, set_pillar, tmp_path):
    set_pillar(pillar(tmp_path))
    low = loaders.modules.state.show_sls("bulkhead.rpc")
    broker = low["bulkhead-rpc-broker"]
    requires = [
        r
        for item in broker["bulkhead_rpc"]
        if isinstance(item, dict)
        for r in item.get("require", [])
    ]
    assert {"bulkhead_policy": "bulkhead-policy-files"} in requires
    assert {"bulkhead_pillar": "bulkhead-host-pillar-valid"} in requires
    assert "bulkhead-rpc-broker" in loaders.modules.state.show_sls("bulkhead")


def test_without_arguments_every_path_comes_from_the_pillar(loaders, set_pillar, tmp_path):
    """The formula passes no paths: bulkhead:formula:paths puts a second broker beside the first."""
    own = {"broker_pillar": str(tmp_path / "facts.json"), "broker_pidfile": str(tmp_path / "b.pid"),
           "broker_log": str(tmp_path / "b.log"), "dispvm_registry": str(tmp_path / "dispvms")}
    set_pillar({**pillar(tmp_path), "formula": {"paths": own}})
    paths = BrokerPaths(tmp_path / "facts.json", tmp_path / "b.pid", tmp_path / "b.log")
    try:
        started = loaders.states.bulkhead_rpc.broker_running(name="bulkhead-rpc-broker")
        assert started.result is True, started.comment
        pid, argv = _pid_argv(paths)
        assert paths.pillar.exists()
        assert argv[argv.index("--dispvm-registry") + 1] == own["dispvm_registry"]
        assert argv[argv.index("--log") + 1] == own["broker_log"]
        stopped = loaders.states.bulkhead_rpc.broker_stopped(name="bulkhead-rpc-broker")
        assert stopped.changes == {"broker": {"old": "running", "new": "stopped"}}, stopped.comment
        assert not os.path.exists(f"/proc/{pid}") or running_broker(paths) is None
    finally:
        running = running_broker(paths)
        if running is not None:
            os.kill(running.pid, signal.SIGKILL)
