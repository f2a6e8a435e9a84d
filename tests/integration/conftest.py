"""Shared fixtures for the integration tier (real libvirtd on qemu:///system, TCG guests); the
tiny guest template (guest_image) and the example workstation are tests/conftest.py's, shared with
the isolation tier."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from saltext.bulkhead.image.build import DEFAULT_CACHE, BuildResult
from saltext.bulkhead.image.debian import DebianSpec, build_debian

from ..guests import IMG


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

