"""memd.json: written deterministically from the pillar, read back into the same daemon settings,
and checked on load with the pillar's own rules and messages."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from saltext.bulkhead.memory.cli import memory_app
from saltext.bulkhead.memory.config_file import daemon_config, load_config_file, render_config_file
from saltext.bulkhead.model.memory_balancer import MemoryBalancer

SETTINGS = MemoryBalancer(interval=0.5, reserve_mib=256, host_mib=4096, band=0.1, socket="/run/x/memd.sock")


def test_round_trip_gives_the_settings_the_pillar_asked_for(tmp_path):
    path = tmp_path / "memd.json"
    path.write_bytes(render_config_file(SETTINGS, "qemu:///system", ["work", "vault"]))
    config, digest = load_config_file(path)
    assert config == daemon_config(SETTINGS, "qemu:///system", ["vault", "work"])
    assert (config.interval, config.reserve_kib, config.host_kib) == (0.5, 256 * 1024, 4096 * 1024)
    assert config.domains == frozenset({"vault", "work"}) and str(config.socket_path) == "/run/x/memd.sock"
    assert config.balancer.band == 0.1 and config.balancer.floor_kib == 96 * 1024
    assert len(digest) == 64


def test_same_pillar_same_bytes_whatever_the_domain_order():
    assert render_config_file(SETTINGS, "u", ["b", "a"]) == render_config_file(SETTINGS, "u", ["a", "b"])
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
