"""The units the formula installs where systemd runs the host: what systemd-analyze accepts, the
daemons' own command lines, libvirtd first, and the boot sequence after both daemons."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from saltext.bulkhead.boot.service import boot_argv, boot_unit_text
from saltext.bulkhead.memd.service import ServicePaths, memd_unit
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.rpc.broker_service import BrokerPaths, broker_unit, command
from saltext.bulkhead.systemd_units import exec_line, exec_quote, unit_names

SECOND = {
    f: f"/srv/second/{f}"
    for f in (
        "memd_config",
        "memd_pidfile",
        "memd_log",
        "broker_pillar",
        "broker_pidfile",
        "broker_log",
        "dispvm_registry",
        "firewall_records",
    )
}


def rendered(pillar_data: dict) -> dict[str, str]:
    """Unit file name -> text, as the states write them for this pillar."""
    pillar = load_pillar(pillar_data)
    own = pillar.formula.paths
    names = unit_names(own)
    broker = BrokerPaths(Path(own.broker_pillar), Path(own.broker_pidfile), Path(own.broker_log),
                         BrokerPaths().socket_dir, Path(own.dispvm_registry))
    memd = ServicePaths(Path(own.memd_config), Path(own.memd_pidfile), Path(own.memd_log))
    return {names.memd: memd_unit(memd), names.broker: broker_unit(pillar, broker),
            names.boot: boot_unit_text(pillar)}


def verify(tmp_path: Path, units: dict[str, str]) -> subprocess.CompletedProcess[str]:
    analyze = shutil.which("systemd-analyze")
    assert analyze, (
        "systemd-analyze is missing: install the 'systemd' package (scripts/setup-host.sh)"
    )
    for name, text in units.items():
        (tmp_path / name).write_text(text)
    return subprocess.run([analyze, "verify", "--man=no", *sorted(units)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("pillar_data", [
    {"memory": {}},
    {},  # no balancer: the boot unit does not pull memd in
    {"formula": {"paths": SECOND}, "memory": {}},  # a second instance: its own unit names
], ids=["workstation", "no-memd", "second-instance"])
def test_systemd_analyze_accepts_every_unit_without_a_word(tmp_path, pillar_data):
    done = verify(tmp_path, rendered(pillar_data))
    # systemd-analyze exits 0 on most mistakes (unknown keys, bad values) and only says so
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_the_verifier_does_see_mistakes(tmp_path):
    """Not vacuous: the check above fails on a unit systemd would half-ignore."""
    units = rendered({"memory": {}})
    name = next(iter(units))
    units[name] = units[name].replace("Restart=on-failure", "Restart=sometimes")
    assert "Restart=sometimes" in units[name]
    done = verify(tmp_path, units)
    assert "restart specifier" in done.stderr


def test_the_daemons_run_their_state_command_lines_after_libvirtd():
    pillar = load_pillar({"memory": {}})
    units = rendered({"memory": {}})
    memd, broker, boot = (units[n] for n in ("bulkhead-memd.service", "bulkhead-rpc-broker.service",
                                             "bulkhead-boot.service"))
    assert f"ExecStart={exec_line(ServicePaths().command())}\n" in memd
    assert f"ExecStart={exec_line(command(pillar, BrokerPaths()))}\n" in broker
    for daemon in (memd, broker):
        assert "Requires=libvirtd.service\n" in daemon and "Restart=on-failure\n" in daemon
        assert "After=libvirtd.service virtlogd.service\n" in daemon
        assert "Type=notify\n" in daemon  # started = serving: the boot unit waits for that
    assert "ExecStartPre=/usr/bin/install -d -m 0700 /run/bulkhead/rpc\n" in broker
    assert "Type=oneshot\n" in boot
    assert f"ExecStart={exec_line(boot_argv(Path('/etc/bulkhead/broker-pillar.json')))}\n" in boot
    assert ("After=libvirtd.service virtlogd.service bulkhead-memd.service "
            "bulkhead-rpc-broker.service\n") in boot


def test_units_are_deterministic_and_a_second_instance_never_shares_a_name():
    assert rendered({"memory": {}}) == rendered({"memory": {}})
    workstation = set(rendered({"memory": {}}))
    second = set(rendered({"formula": {"paths": SECOND}, "memory": {}}))
    assert workstation == {"bulkhead-memd.service", "bulkhead-rpc-broker.service",
                           "bulkhead-boot.service"}
    assert not workstation & second


def test_no_memd_unit_is_wanted_without_a_balancer():
    boot = rendered({})["bulkhead-boot.service"]
    assert "bulkhead-memd" not in boot and "bulkhead-rpc-broker.service" in boot


@pytest.mark.parametrize(("arg", "quoted"), [
    ("/usr/bin/python3", "/usr/bin/python3"),
    ("qemu:///system?socket=/x&y=z", "qemu:///system?socket=/x&y=z"),
    ("50%", '"50%%"'),
    ("/a b/c", '"/a b/c"'),
    ('say "$HOME"', '"say \\"$$HOME\\""'),
])
def test_exec_arguments_reach_the_daemon_as_written(arg, quoted):
    assert exec_quote(arg) == quoted


def test_a_control_character_is_refused():
    with pytest.raises(ValueError):
        exec_quote("a\nExecStartPre=/bin/evil")
