"""Shared fixtures for the integration tier (real libvirtd on qemu:///system, TCG guests)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from saltext.bulkhead.image.build import DEFAULT_CACHE, BuildResult, build_image
from saltext.bulkhead.image.debian import DebianSpec, build_debian
from saltext.bulkhead.model import load_pillar_file

from ..guests import IMG
from ..topology import EXAMPLE_POOL, EXAMPLE_PREFIX, purge, salt_workspace


@pytest.fixture(scope="session")
def guest_image() -> BuildResult:
    """The tiny guest template, built once per session (a no-op when the cache is current).

    BULKHEAD_IMAGE_CACHE points the build elsewhere than /var/cache/bulkhead/images."""
    if os.geteuid() != 0:
        pytest.skip("building the guest image needs root (apt-get download, mkfs)")
    cache = Path(os.environ.get("BULKHEAD_IMAGE_CACHE", DEFAULT_CACHE))
    return build_image(cache=cache)


@pytest.fixture
def prebuilt_image() -> Path:
    """The guest image as ``bulkhead image build`` left it (skips when it was never built)."""
    if not (IMG / "root.img").exists():
        pytest.skip(f"no guest image at {IMG}: build it with `bulkhead image build`")
    return IMG


DEBIAN_TEST_IMAGE = "debian-test"


@pytest.fixture(scope="session")
def debian_image() -> BuildResult:
    """The Debian template the tests boot, built once in the shared image cache (a no-op, a few
    seconds, when it is current): the base packages only, the smallest root that fits."""
    if os.geteuid() != 0 or shutil.which("mmdebstrap") is None:
        pytest.skip("building the Debian image needs root and mmdebstrap (make setup)")
    cache = Path(os.environ.get("BULKHEAD_IMAGE_CACHE", DEFAULT_CACHE))
    return build_debian(DEBIAN_TEST_IMAGE, DebianSpec(size_mib=1024), cache)


@pytest.fixture(scope="session")
def example_workstation(tmp_path_factory, guest_image, repo_root) -> Iterator[dict]:
    """The example workstation (pillar/examples/workstation.sls) prefixed ``it-`` in the pool
    ``bhit`` (tests/topology.py), one per session: its masterless Salt config ("conf"), pillar
    file ("pillar") and model ("model"). Not applied here: test_salt_apply's first test applies
    it (its first apply must create things); a later user applies it too (a no-op once applied)
    and must leave it as the pillar says. Booting the example's six guests is the suite's
    costliest step, so the integration and isolation tiers share one; purged at the end."""
    conf, pillar_file = salt_workspace(tmp_path_factory.mktemp("salt"), repo_root,
                                       EXAMPLE_PREFIX, EXAMPLE_POOL)
    model = load_pillar_file(pillar_file)
    try:
        yield {"conf": conf, "model": model, "pillar": pillar_file}
    finally:
        purge(model)
