"""The broker state writes the sway label snippet once a domain has gui: true: test mode writes
nothing, a second run changes nothing, a workstation without GUI domains gets no file."""

from __future__ import annotations

from saltext.bulkhead.gui.labels import SWAY_CONFIG
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.reconcile import Work
from saltext.bulkhead.rpc.broker_service import _sway_config

IMAGE = {"kind": "kernel", "root": "/i/root.qcow2", "kernel": "/i/vmlinuz",
         "initrd": "/i/initrd.img"}


def _pillar(path, gui: bool):
    return load_pillar({"host": {"gui": {"sway_config": str(path)}}, "domains": {
        "tpl": {"class": "template", "image": IMAGE},
        "work": {"class": "app", "template": "tpl", "gui": gui}}})


def _run(pillar, test: bool):
    work = Work()
    _sway_config(work, pillar)
    return work.finish(test, "sway config")


def test_written_once_and_only_for_real(tmp_path):
    path = tmp_path / "gui" / "sway.conf"
    dry = _run(_pillar(path, True), test=True)
    assert dry.result is None and "sway_config" in dry.changes and not path.exists()
    assert _run(_pillar(path, True), test=False).result is True
    assert path.read_text() == SWAY_CONFIG
    again = _run(_pillar(path, True), test=False)
    assert again.result is True and again.changes == {}


def test_no_gui_domain_no_file(tmp_path):
    path = tmp_path / "sway.conf"
    assert _run(_pillar(path, False), test=False).changes == {}
    assert not path.exists()
