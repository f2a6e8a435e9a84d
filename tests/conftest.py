"""Shared test configuration: real components only; integration tests need root and libvirtd."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from saltext.bulkhead.image.build import DEFAULT_CACHE, BuildResult, build_image
from saltext.bulkhead.model import load_pillar_file
from tests import footprint
from tests.topology import EXAMPLE_POOL, EXAMPLE_PREFIX, purge, salt_workspace

# No time limit per example: the machines are shared and noisy, and the standards keep time out
# of tests (a first example that loads a library once took 284 ms under load and failed the run).
settings.register_profile("bulkhead", deadline=None)
settings.load_profile("bulkhead")

REPO = Path(__file__).resolve().parents[1]


# Fast tiers first; the tiers booting guests last, in this order: the example workstation the
# integration and isolation tiers share (a session fixture) is then purged with no tier after it
# (its idle TCG guests would slow every later test).
TIERS = ("unit", "functional", "hostile", "fleet", "integration", "isolation")


def _tier(item) -> int:
    parts = Path(str(item.path)).relative_to(REPO).parts
    tier = parts[1] if len(parts) > 2 and parts[0] == "tests" else ""
    return TIERS.index(tier) if tier in TIERS else len(TIERS)


def pytest_collection_modifyitems(config, items):
    items.sort(key=_tier)  # stable: each tier keeps its files' order
    # Integration, isolation and fleet tests drive qemu:///system; without root and a running
    # libvirtd they cannot mean anything, so they are skipped with the reason instead of failing
    # confusingly.
    if os.geteuid() == 0:
        return
    skip = pytest.mark.skip(reason="needs root and libvirtd on qemu:///system")
    for item in items:
        if {"integration", "isolation", "fleet"} & set(item.keywords):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session", autouse=True)
def installed_workstation_untouched():
    """Fail the run (an error at the last teardown) if any test stopped a daemon of, rewrote or
    removed a file of, or changed a libvirt object of a workstation installed on this host."""
    before = footprint.snapshot()
    yield
    changed = footprint.changes(before, footprint.snapshot())
    if changed:
        pytest.fail(
            "the test run changed the installed workstation on this host:\n  "
            + "\n  ".join(changed),
            pytrace=False,
        )


@pytest.fixture(scope="session")
def guest_image() -> BuildResult:
    """The tiny guest template, built once per session (a no-op when the cache is current).

    BULKHEAD_IMAGE_CACHE points the build elsewhere than /var/cache/bulkhead/images."""
    if os.geteuid() != 0:
        pytest.skip("building the guest image needs root (apt-get download, mkfs)")
    cache = Path(os.environ.get("BULKHEAD_IMAGE_CACHE", DEFAULT_CACHE))
    return build_image(cache=cache)


@pytest.fixture(scope="session")
def example_workstation(tmp_path_factory, guest_image, repo_root) -> Iterator[dict]:
    """The example workstation (pillar/examples/workstation.sls) prefixed ``it-`` in the pool
    ``bhit`` (tests/topology.py), one per session: its masterless Salt config ("conf"), pillar
    file ("pillar") and model ("model"). Not applied here: test_salt_apply's first test applies
    it (its first apply must create things); a later user applies it too (a no-op once applied)
    and must leave it as the pillar says. Booting the example's six guests is the suite's
    costliest step, so the integration and isolation tiers share one; purged at the end. Defined
    here, once: a fixture each tier's conftest defined would be set up once per tier."""
    conf, pillar_file = salt_workspace(tmp_path_factory.mktemp("salt"), repo_root,
                                       EXAMPLE_PREFIX, EXAMPLE_POOL)
    model = load_pillar_file(pillar_file)
    try:
        yield {"conf": conf, "model": model, "pillar": pillar_file}
    finally:
        purge(model)
