"""Shared test configuration: real components only; integration tests need root and libvirtd."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from tests import footprint

# No time limit per example: the machines are shared and noisy, and the standards keep time out
# of tests (a first example that loads a library once took 284 ms under load and failed the run).
settings.register_profile("bulkhead", deadline=None)
settings.load_profile("bulkhead")

REPO = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config, items):
    # Integration, isolation and fleet tests drive qemu:///system; without root and a running libvirtd they
    # cannot mean anything, so they are skipped with the reason instead of failing confusingly.
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
        pytest.fail("the test run changed the installed workstation on this host:\n  " + "\n  ".join(changed),
                    pytrace=False)
