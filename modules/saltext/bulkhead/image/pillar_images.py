"""The templates pillar ``bulkhead:images`` declares, built (or found current) in the cache."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..model import Pillar
from ..model.images import DebianImage
from .build import DEFAULT_CACHE, BuildResult
from .debian import DebianSpec, build_debian


def spec_of(image: DebianImage) -> DebianSpec:
    return DebianSpec(suite=image.suite, packages=image.packages, size_mib=image.size_mib,
                      gui=image.gui)


def build_pillar_images(pillar: Pillar, names: list[str] | None = None, cache: Path = DEFAULT_CACHE,
                        force: bool = False,
                        log: Callable[[str], None] = lambda _msg: None) -> dict[str, BuildResult]:
    """Each image of ``names`` (default: all), in name order; unknown names are an error."""
    wanted = sorted(pillar.images) if names is None else names
    unknown = [n for n in wanted if n not in pillar.images]
    if unknown:
        raise ValueError(f"bulkhead:images has no {', '.join(unknown)}")
    return {
        n: build_debian(n, spec_of(pillar.images[n]), cache, force=force, log=log) for n in wanted
    }
