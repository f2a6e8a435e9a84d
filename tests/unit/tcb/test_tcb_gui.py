"""``bulkhead tcb`` lists the GUI relay and its Wayland filter once a domain has gui: true,
and not before."""

from __future__ import annotations

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.tcb.components import OWN, PACKAGE, host_components, is_cli, python_lines

IMAGE = {"kind": "kernel", "root": "/i/root.qcow2", "kernel": "/i/vmlinuz",
         "initrd": "/i/initrd.img"}


def _names(gui: bool) -> list[str]:
    pillar = load_pillar({"domains": {"tpl": {"class": "template", "image": IMAGE},
                                      "work": {"class": "app", "template": "tpl", "gui": gui}}})
    return [c.name for c in host_components(pillar, "libvirt 9.0.0", "kvm")]


def test_the_relay_is_listed_with_its_sandbox_only_for_gui_workstations():
    assert "waypipe client (GUI relay)" in _names(True)
    assert "waypipe client (GUI relay)" not in _names(False)


def test_the_wayland_filter_is_listed_with_its_lines_only_for_gui_workstations():
    pillar = load_pillar({"domains": {"tpl": {"class": "template", "image": IMAGE},
                                      "work": {"class": "app", "template": "tpl", "gui": True}}})
    found = {c.name: c for c in host_components(pillar, "libvirt 9.0.0", "kvm")}
    assert found["Wayland filter (GUI relay)"].lines > 500  # gui/wayland_filter and untrusted
    assert "Wayland filter (GUI relay)" not in _names(False)


def _raw_lines(folder: str) -> int:
    return sum(len(f.read_bytes().splitlines()) for f in (PACKAGE / folder).rglob("*.py")
               if not is_cli(f.name))


def test_the_filters_lines_are_counted_once_under_the_filter_not_again_under_the_broker():
    gui, inner = python_lines(("gui",)), python_lines(("gui/wayland_filter",))
    assert inner > 500 and gui > 0
    assert gui + inner == _raw_lines("gui")  # every line of gui/ once, in one of the two
    broker = next(c for c in host_components(load_pillar({}), "libvirt 9.0.0", "kvm")
                  if c.name == "bulkhead-rpc broker")
    packages = next(p for name, _, p, _ in OWN if name == "bulkhead-rpc broker")
    assert broker.lines == python_lines(packages)
    assert broker.lines + inner == sum(_raw_lines(p) for p in packages)


def test_only_command_line_modules_are_left_out():
    assert is_cli("cli.py") and is_cli("clipboard_cli.py")
    assert not is_cli("client.py") and not is_cli("clipboard.py") and not is_cli("cli_style.py")
    # the agent client's own module and the filter's clipboard are host code a guest reaches
    assert python_lines(("agent",)) >= len((PACKAGE / "agent/client.py").read_bytes().splitlines())
    assert python_lines(("gui/wayland_filter",)) == _raw_lines("gui/wayland_filter")
