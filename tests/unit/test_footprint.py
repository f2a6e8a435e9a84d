"""The session guard's footprint (tests/footprint.py) on a stand-in workstation under tmp_path:
real processes behind pidfiles, real files and sockets; each kind of interference is caught."""

from __future__ import annotations

import socket
import subprocess

import pytest

from tests import footprint


@pytest.fixture
def installed(tmp_path, monkeypatch):
    etc, run = tmp_path / "etc", tmp_path / "run"
    (etc / "policy.d").mkdir(parents=True)
    run.mkdir()
    (etc / "memd.json").write_text('{"interval": 2.0}\n')
    (etc / "policy.d" / "30-user.policy").write_text("qubes.Filecopy * work vault deny\n")
    daemon = subprocess.Popen(["sleep", "600"])
    (run / "memd.pid").write_text(f"{daemon.pid}\n")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(run / "memd.sock"))
    monkeypatch.setattr(footprint, "PIDFILES", (run / "memd.pid",))
    monkeypatch.setattr(footprint, "CONTENT_DIRS", (etc,))
    monkeypatch.setattr(footprint, "SOCKET_DIRS", (run,))
    monkeypatch.setattr(footprint, "_libvirt", dict)  # qemu:///system is the integration tier's
    yield {"etc": etc, "run": run, "daemon": daemon}
    listener.close()
    daemon.kill()
    daemon.wait()


def test_an_untouched_workstation_shows_no_change(installed):
    before = footprint.snapshot()
    assert any("started at tick" in v for v in before.values())
    assert footprint.changes(before, footprint.snapshot()) == []


def test_a_rewritten_file_and_a_new_one_are_changes(installed):
    before = footprint.snapshot()
    (installed["etc"] / "memd.json").write_text('{"interval": 0.5}\n')
    (installed["etc"] / "broker-pillar.json").write_text("{}\n")
    found = footprint.changes(before, footprint.snapshot())
    assert [line.split(":")[0] for line in found] == [
        f"file {installed['etc'] / 'memd.json'}", f"file {installed['etc'] / 'broker-pillar.json'}"]


def test_a_removed_policy_file_is_a_change(installed):
    before = footprint.snapshot()
    (installed["etc"] / "policy.d" / "30-user.policy").unlink()
    assert footprint.changes(before, footprint.snapshot()) == [
        f"file {installed['etc'] / 'policy.d' / '30-user.policy'}: "
        f"{before['file ' + str(installed['etc'] / 'policy.d' / '30-user.policy')]} -> gone"
    ]


def test_a_stopped_daemon_is_a_change_even_when_restarted_with_its_pidfile(installed):
    before = footprint.snapshot()
    installed["daemon"].kill()
    installed["daemon"].wait()
    successor = subprocess.Popen(["sleep", "600"])
    try:
        (installed["run"] / "memd.pid").write_text(f"{successor.pid}\n")
        found = footprint.changes(before, footprint.snapshot())
    finally:
        successor.kill()
        successor.wait()
    assert any(
        line.startswith(f"daemon {installed['run'] / 'memd.pid'}: pid ") for line in found
    ), found


def test_a_replaced_socket_is_a_change(installed):
    before = footprint.snapshot()
    (installed["run"] / "memd.sock").unlink()
    with socket.socket(socket.AF_UNIX) as impostor:
        impostor.bind(str(installed["run"] / "memd.sock"))
        found = footprint.changes(before, footprint.snapshot())
    assert [line.split(":")[0] for line in found] == [f"entry {installed['run'] / 'memd.sock'}"]
