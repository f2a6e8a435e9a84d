"""What the state ``bulkhead_image.built`` does with one ``bulkhead:images`` entry."""

from __future__ import annotations

from pathlib import Path

from ..model import Pillar
from ..reconcile.outcome import Outcome
from .build import DEFAULT_CACHE
from .debian import is_built
from .pillar_images import build_pillar_images, spec_of


def image_built(pillar: Pillar, image: str, *, test: bool, cache: Path = DEFAULT_CACHE) -> Outcome:
    """The template ``image`` is built and current in ``cache``; test mode only says whether a
    build is due. A rebuild is a new template version: app domains boot it at their next start."""
    if image not in pillar.images:
        return Outcome(False, {}, f"bulkhead:images has no {image!r}")
    if is_built(image, spec_of(pillar.images[image]), cache):
        return Outcome(True, {}, f"Image {image} is current in {cache / image}.")
    change = {image: {"old": None, "new": f"built in {cache / image}"}}
    if test:
        return Outcome(None, change, f"Image {image} would be built.")
    result = build_pillar_images(pillar, [image], cache)[image]
    change[image]["new"] = (
        f"built in {result.directory} (inputs {result.manifest['input_hash'][:12]})"
    )
    return Outcome(True, change, f"Image {image} built.")
