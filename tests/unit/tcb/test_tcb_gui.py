"""``bulkhead tcb`` lists the GUI relay and its Wayland filter once a domain has gui: true,
and not before."""

from __future__ import annotations

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.tcb.components import host_components

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
