"""bulkhead.host's prerequisites without a host to change: what is there, what a run would do,
and what fails (in test mode too)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from saltext.bulkhead.host import kernel, libvirt_daemons, templates
from saltext.bulkhead.host.uplinks import uplink_xml
from saltext.bulkhead.model import load_pillar


def feature(tmp_path: Path, exists: bool) -> kernel.KernelFeature:
    evidence = tmp_path / ("dev-node" if exists else "no-dev-node")
    if exists:
        evidence.write_text("")
    return kernel.KernelFeature("tunx", "a test feature", (evidence,))


def test_a_feature_is_there_by_its_evidence_or_the_loaded_modules(tmp_path):
    assert kernel.present(feature(tmp_path, True), tmp_path / "no-proc-modules")
    modules = tmp_path / "modules"
    modules.write_text("bridge 1 0 - Live 0x0\ntunx 1 0 - Live 0x0\n")
    assert kernel.present(feature(tmp_path, False), modules)
    modules.write_text("tunxy 1 0 - Live 0x0\n")
    assert not kernel.present(feature(tmp_path, False), modules)


def test_a_missing_feature_without_modprobe_fails_in_test_mode_too(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no modprobe
    for test in (True, False):
        out = kernel.kernel_ready(test, (feature(tmp_path, False),))
        assert out.result is False and "tunx (a test feature)" in out.comment
    assert kernel.kernel_ready(True, (feature(tmp_path, True),)).result is True


def test_a_missing_feature_would_be_loaded_by_modprobe(tmp_path, monkeypatch):
    modprobe = tmp_path / "modprobe"
    modprobe.write_text(f"#!/bin/sh\necho \"$@\" > {tmp_path / 'loaded'}\n")
    modprobe.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    out = kernel.kernel_ready(True, (feature(tmp_path, False),))
    assert (out.result, out.changes) == (None, {"loaded": {"tunx": "a test feature"}})
    assert not (tmp_path / "loaded").exists()
    assert kernel.kernel_ready(False, (feature(tmp_path, False),)).result is True
    assert (tmp_path / "loaded").read_text() == "tunx\n"


def test_libvirt_daemons_that_answer_are_left_alone(tmp_path):
    path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        server.listen()
        out = libvirt_daemons.libvirt_running("qemu:///system", False, {"libvirtd": path})
        assert (out.result, out.changes) == (True, {})
    silent = libvirt_daemons.libvirt_running("qemu:///system", True, {"libvirtd": path})
    assert (silent.result, silent.changes) == (None, {"started": ["libvirtd"]})


def test_a_remote_libvirt_is_not_started_here(tmp_path):
    out = libvirt_daemons.libvirt_running("qemu+ssh://h/system", False, {"x": tmp_path / "none"})
    assert out.result is True and "that host's" in out.comment


def test_uplink_networks_isolated_or_nat():
    pillar = load_pillar(
        {
            "host": {
                "uplinks": {"lab": {}, "out": {"forward": "nat", "address": "192.168.150.1/24"}}
            }
        },
        "ws",
    )
    assert (
        uplink_xml("lab", pillar.host.uplinks["lab"])
        == "<network>\n  <name>lab</name>\n</network>\n"
    )
    nat = uplink_xml("out", pillar.host.uplinks["out"])
    assert "<forward mode='nat'/>" in nat
    assert "<ip address=\"192.168.150.1\" netmask=\"255.255.255.0\"/>" in nat


def image_pillar(root: Path, **image: str):
    files = {"kind": "kernel", "root": f"{root}/root.img", "kernel": f"{root}/vmlinuz",
             "initrd": f"{root}/initrd.img", **image}
    return load_pillar({"domains": {"tpl": {"class": "template", "image": files}}}, "ws")


def test_the_builders_layout_is_built_and_other_images_are_the_admins(tmp_path):
    assert templates.build_target(image_pillar(tmp_path / "debian-min"), "tpl") == (
        "debian-min", tmp_path)
    own = image_pillar(tmp_path, kernel="/boot/vmlinuz")
    assert templates.build_target(own, "tpl") is None
    out = templates.template_built(own, "tpl", test=True)
    assert out.result is False and f"{tmp_path}/root.img" in out.comment


@pytest.mark.parametrize("built", [False, True])
def test_a_test_run_says_whether_the_image_would_be_built(tmp_path, built):
    directory = tmp_path / "debian-min"
    if built:
        directory.mkdir()
        for name in ("root.img", "vmlinuz", "initrd.img"):
            (directory / name).write_text("x")
        (directory / "manifest.json").write_text('{"input_hash": "abc"}')
    out = templates.template_built(image_pillar(directory), "tpl", test=True)
    assert out.result is (True if built else None)
    assert bool(out.changes) is not built


def test_a_debian_template_of_the_pillars_images_is_that_image(tmp_path):
    """root.qcow2, vmlinuz and initrd.img in <cache>/<image>/ of a bulkhead:images entry: the
    state builds that entry (bulkhead_image.built); the same files of an unknown image do not."""
    directory = tmp_path / "debian-12"
    files = {"root": f"{directory}/root.qcow2"}
    data = {"domains": {"tpl": {"class": "template", "image": {
        "kind": "kernel", "kernel": f"{directory}/vmlinuz", "initrd": f"{directory}/initrd.img",
        **files}}}}
    assert templates.pillar_image(load_pillar({**data, "images": {"debian-12": {
        "kind": "debian"}}}, "ws"), "tpl") == ("debian-12", tmp_path)
    assert templates.pillar_image(load_pillar({**data, "images": {"debian-13": {
        "kind": "debian"}}}, "ws"), "tpl") is None
    assert templates.pillar_image(image_pillar(directory), "tpl") is None
