"""The daemon states on a host run by systemd, against a stand-in systemctl that records its calls
(this machine has no systemd as PID 1): test mode only asks, a real run writes, reloads, enables
and starts, in that order."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from saltext.bulkhead.memd.service import ServicePaths, memd_managed
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.sd_notify import notify_ready
from saltext.bulkhead.systemd import Systemd, systemd_host

SYSTEMCTL = """#!/bin/sh
echo "$*" >> {log}
case "$1" in is-enabled) echo disabled; exit 1;; show) echo 0;; esac
"""


def stand_in(tmp_path: Path) -> tuple[Systemd, Path]:
    log = tmp_path / "calls"
    script = tmp_path / "systemctl"
    script.write_text(SYSTEMCTL.format(log=log))
    script.chmod(0o755)
    (tmp_path / "units").mkdir()
    return Systemd(unit_dir=tmp_path / "units", systemctl=(str(script),)), log


def paths(tmp_path: Path) -> ServicePaths:
    return ServicePaths(tmp_path / "memd.json", tmp_path / "memd.pid", tmp_path / "memd.log")


def test_test_mode_only_asks_systemd(tmp_path):
    systemd, log = stand_in(tmp_path)
    pillar = load_pillar({"memory": {"socket": str(tmp_path / "memd.sock")}})
    outcome = memd_managed(pillar, paths(tmp_path), test=True, systemd=(systemd, "m.service"))
    assert outcome.result is None, outcome.comment
    assert "enable m.service" in outcome.comment and "start m.service" in outcome.comment
    assert list((tmp_path / "units").iterdir()) == [] and not (tmp_path / "memd.json").exists()
    assert all(call.split()[0] in ("is-enabled", "show") for call in log.read_text().splitlines())


def test_a_real_run_installs_enables_and_starts_the_unit(tmp_path):
    systemd, log = stand_in(tmp_path)
    pillar = load_pillar({"memory": {"socket": str(tmp_path / "memd.sock")}})
    outcome = memd_managed(pillar, paths(tmp_path), systemd=(systemd, "m.service"))
    assert outcome.result is True, outcome.comment
    assert (tmp_path / "units/m.service").read_text().startswith("[Unit]\n")
    mutating = [
        c for c in log.read_text().splitlines() if c.split()[0] not in ("is-enabled", "show")
    ]
    assert mutating == ["daemon-reload", "enable m.service", "restart m.service"]


def test_systemd_is_detected_by_its_run_directory(tmp_path):
    assert systemd_host(tmp_path / "absent") is None
    (tmp_path / "system").mkdir()
    assert systemd_host(tmp_path / "system") is not None


def test_ready_is_sent_to_the_notify_socket(tmp_path, monkeypatch):
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as manager:
        manager.bind(str(tmp_path / "notify"))
        monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
        assert notify_ready() is True
        assert manager.recv(64) == b"READY=1"
    monkeypatch.delenv("NOTIFY_SOCKET")
    assert notify_ready() is False and "NOTIFY_SOCKET" not in os.environ
