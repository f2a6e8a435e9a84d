"""A template domain's image built by ``bulkhead image build`` (the formula's image state).

A template whose ``image`` is ``kind: kernel`` with ``root.img``, ``vmlinuz`` and ``initrd.img``
in one directory ``<cache>/<name>/`` is an image the builder makes: the state builds ``<name>``
into ``<cache>``, a no-op when a template built from the same inputs (their digest) is there.
A template booting ``<cache>/<image>/{root.qcow2,vmlinuz,initrd.img}`` where ``<image>`` is an
entry of ``bulkhead:images`` is a Debian template the state builds from that entry.
Any other image is the admin's: the state only says whether its files exist, and a test run
names a missing one as a failure (the domain could not be defined from it).
"""

from __future__ import annotations

from pathlib import Path

from ..image import manifest
from ..image.build import build_image
from ..image.image_state import image_built
from ..model import Pillar
from ..reconcile import Outcome, Work
from . import build_inputs

BUILT_FILES = {"root": "root.img", "kernel": "vmlinuz", "initrd": "initrd.img"}
DEBIAN_FILES = {"root": "root.qcow2", "kernel": "vmlinuz", "initrd": "initrd.img"}


def _image_directory(pillar: Pillar, name: str, files: dict[str, str]) -> Path | None:
    """The one directory holding the domain's kernel image as ``files`` names them, else None."""
    image = pillar.domains[name].image
    if image is None or image.kind != "kernel":
        return None
    paths = {key: Path(str(getattr(image, key))) for key in files}
    directory = paths["root"].parent
    if any(paths[key] != directory / file for key, file in files.items()):
        return None
    return directory


def pillar_image(pillar: Pillar, name: str) -> tuple[str, Path] | None:
    """(image, cache) when the domain boots a Debian template of ``bulkhead:images``."""
    directory = _image_directory(pillar, name, DEBIAN_FILES)
    if directory is None or directory.name not in pillar.images:
        return None
    return directory.name, directory.parent


def build_target(pillar: Pillar, name: str) -> tuple[str, Path] | None:
    """(template name, cache) when the domain's image is one the builder makes, else None."""
    directory = _image_directory(pillar, name, BUILT_FILES)
    return None if directory is None else (directory.name, directory.parent)


def _missing_files(pillar: Pillar, name: str) -> list[str]:
    image = pillar.domains[name].image
    files = [image.root, image.kernel, image.initrd] if image is not None else []
    return [str(f) for f in files if f is not None and not Path(str(f)).is_file()]


def template_built(pillar: Pillar, name: str, test: bool = False) -> Outcome:
    if name not in pillar.domains:
        return Outcome(False, {}, f"bulkhead:domains has no domain {name!r}")
    debian = pillar_image(pillar, name)
    if debian is not None:
        return image_built(pillar, debian[0], test=test, cache=debian[1])
    target = build_target(pillar, name)
    missing = _missing_files(pillar, name)
    if target is None:
        if missing:
            return Outcome(False, {}, f"The image of {name} is missing: {', '.join(missing)} "
                                      "(not one bulkhead image build makes: provide it).")
        return Outcome(True, {}, f"The image of {name} is there (the admin's own).")
    template, cache = target
    work = Work()
    if test:  # the inputs' digest needs the packages downloaded: a test run only looks
        if missing or not manifest.read_manifest(cache / template):
            work.section("image")[template] = {"old": None, "new": f"built in {cache}"}
            work.step(f"build {template}", lambda: None)
        return work.finish(test, f"Template image {cache / template}")
    key, records = build_inputs.fingerprint(), Path(pillar.formula.paths.image_records)
    if build_inputs.still_current(cache / template, key, records):
        return Outcome(True, {}, f"Template image {cache / template} is current (nothing it is "
                                 "built from changed since its last check).")
    result = build_image(name=template, cache=cache)
    build_inputs.record(cache / template, key, records)
    if result.rebuilt:
        digest = str(result.manifest.get("input_hash", ""))[:12]
        return Outcome(True, {"image": {template: {"old": None, "new": f"built, inputs {digest}"}}},
                       f"Template image {cache / template} built.")
    return Outcome(True, {}, f"Template image {cache / template} is current (same inputs).")
