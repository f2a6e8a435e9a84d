"""Shared test configuration: real components only; integration tests need root and libvirtd."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config, items):
    # Integration and isolation tests drive qemu:///system; without root and a running libvirtd they
    # cannot mean anything, so they are skipped with the reason instead of failing confusingly.
    if os.geteuid() == 0:
        return
    skip = pytest.mark.skip(reason="needs root and libvirtd on qemu:///system")
    for item in items:
        if "integration" in item.keywords or "isolation" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO
