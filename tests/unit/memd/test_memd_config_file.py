"""memd.json: written deterministically from the pillar, read back into the same daemon settings,
and checked on load with the pillar's own rules and messages."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from saltext.bulkhead.memd.cli import memory_app
from saltext.bulkhead.memd.config_file import daemon_config, load_config_file, render_config_file
from saltext.bulkhead.model.memory_balancer import MemoryBalancer

SETTINGS = MemoryBalancer(
    interval=0.5, reserve_mib=256, host_mib=4096, band=0.1, socket="/run/x/memd.sock"
)


def test_round_trip_gives_the_settings_the_pillar_asked_for(tmp_path):
    path = tmp_path / "memd.json"
    path.write_bytes(render_config_file(SETTINGS, "qemu:///system", ["work", "vault"]))
    config, digest = load_config_file(path)
    assert config == daemon_config(SETTINGS, "qemu:///system", ["vault", "work"])
    assert (config.interval, config.reserve_kib, config.host_kib) == (0.5, 256 * 1024, 4096 * 1024)
    assert (
        config.domains == frozenset({"vault", "work"})
        and str(config.socket_path) == "/run/x/memd.sock"
    )
    assert config.balancer.band == 0.1 and config.balancer.floor_kib == 96 * 1024
    assert len(digest) == 64


def test_same_pillar_same_bytes_whatever_the_domain_order():
    assert render_config_file(SETTINGS, "u", ["b", "a"]) == render_config_file(
        SETTINGS, "u", ["a", "b"]
    )
    assert render_config_file(SETTINGS, "u", ["a"]) != render_config_file(SETTINGS, "u", ["a", "b"])


@pytest.mark.parametrize(("change", "message"), [
    ({"interval": "fast"}, ":interval: must be a number of seconds from 0.1 to 3600"),
    ({"host_mib": 100}, ":host_mib: 100 MiB leaves nothing for domains above reserve_mib (256)"),
    ({"colour": "red"}, ":colour: unknown key 'colour'"),
    ({"domains": "work"}, "expected an object with 'uri', 'domains' (a list of names)"),
])
def test_a_bad_file_is_refused_naming_the_key(tmp_path, change, message):
    body = json.loads(render_config_file(SETTINGS, "qemu:///system", ["work"]))
    path = tmp_path / "memd.json"
    path.write_text(json.dumps({**body, **change}))
    with pytest.raises(ValueError) as error:
        load_config_file(path)
    assert message in str(error.value)


def test_daemon_command_refuses_a_bad_config_and_detach_without_pidfile(tmp_path):
    bad = tmp_path / "memd.json"
    bad.write_text("{not json")
    result = CliRunner().invoke(memory_app, ["daemon", "--config", str(bad)])
    assert result.exit_code == 2 and "not JSON" in result.output
    good = tmp_path / "good.json"
    good.write_bytes(render_config_file(SETTINGS, "test:///default", []))
    result = CliRunner().invoke(memory_app, ["daemon", "--config", str(good), "--detach"])
    assert result.exit_code == 2 and "--detach needs --pidfile" in result.output


def test_status_command_prints_the_daemon_reply_or_fails_without_one(tmp_path):
    from saltext.bulkhead.memd.daemon import DaemonState
    from saltext.bulkhead.memd.server import MemdServer, serve_in_thread

    path = tmp_path / "memd.sock"
    missing = CliRunner().invoke(memory_app, ["status", "--socket", str(path)])
    assert missing.exit_code == 1 and "does not answer" in missing.output
    state = DaemonState(capacity_kib=1024)

    def no_requests(name: str, kib: int):  # status must not free memory for anyone
        raise AssertionError(f"status asked for {kib} KiB for {name}")

    server = MemdServer(path, no_requests, state)
    serve_in_thread(server)
    try:
        shown = CliRunner().invoke(memory_app, ["status", "--socket", str(path)])
    finally:
        server.shutdown()
        server.server_close()
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout) == {"ok": True, "capacity_kib": 1024, "targets_kib": {},
                                        "preferences_kib": {}, "short": False, "held_kib": {}}
