"""The GUI's guest packages are opt-in per Debian image (``bulkhead:images:<name>:gui``): a domain
with gui: true booting a bulkhead-built image without them is a FILE:LINE error naming both."""

from __future__ import annotations

import pytest

from saltext.bulkhead.image.debian import GUI_PACKAGES, DebianSpec
from saltext.bulkhead.image.pillar_images import spec_of
from saltext.bulkhead.model import PillarError
from saltext.bulkhead.model.load import load_pillar_text

PILLAR = """\
bulkhead:
  images:
    debian-12: {kind: debian, gui: IMAGE_GUI}
  domains:
    debian-12:
      class: template
      image: {kind: kernel, root: ROOT, kernel: /k/vmlinuz, initrd: /k/initrd.img}
    work:
      class: app
      template: debian-12
      gui: true
    untrusted:
      class: disposable
      template: dvm
    dvm:
      class: app
      template: debian-12
      template_for_dispvms: true
      gui: GUI_DVM
"""
BUILT = "/var/cache/bulkhead/images/debian-12/root.qcow2"


def _load(image_gui: bool, root: str = BUILT, dvm_gui: bool = False):
    text = (PILLAR.replace("IMAGE_GUI", str(image_gui).lower()).replace("ROOT", root)
            .replace("GUI_DVM", str(dvm_gui).lower()))
    return load_pillar_text(text, "p.sls")


def test_a_gui_domain_on_a_built_image_without_gui_names_both_keys():
    with pytest.raises(PillarError) as info:
        _load(False)
    assert info.value.lines == [
        "p.sls:11: bulkhead:domains:work:gui: 'debian-12' boots bulkhead:images:debian-12, built "
        "without the GUI packages: set bulkhead:images:debian-12:gui: true"]


def test_a_gui_disposable_template_is_followed_to_its_template_image():
    with pytest.raises(PillarError) as info:
        _load(False, dvm_gui=True)
    assert {line.split(": ")[1] for line in info.value.lines} == {
        "bulkhead:domains:work:gui", "bulkhead:domains:dvm:gui"}


def test_an_image_with_gui_serves_gui_domains_and_is_kept():
    pillar = _load(True, dvm_gui=True)
    assert pillar.images["debian-12"].gui
    assert set(GUI_PACKAGES) <= set(spec_of(pillar.images["debian-12"]).all_packages())


def test_a_template_not_built_by_bulkhead_is_not_checked():
    assert _load(False, root="/var/lib/bulkhead/images/mine.qcow2").domains["work"].gui


def test_debian_templates_leave_the_gui_packages_out_unless_asked():
    assert not set(GUI_PACKAGES) & set(DebianSpec().all_packages())
    assert set(GUI_PACKAGES) <= set(DebianSpec(gui=True).all_packages())
    assert DebianSpec(gui=True).all_packages() == DebianSpec(packages=GUI_PACKAGES).all_packages()
