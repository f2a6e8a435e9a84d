"""Fixtures shared by the virt tests."""

from __future__ import annotations

import pytest

from saltext.bulkhead.virt import connect, counting

from .virt_fixtures import node_file


@pytest.fixture
def driver(tmp_path):
    """(counting connection, its call log) to a test:///<node file> driver of this test's own."""
    with connect(node_file(tmp_path)) as raw:
        yield counting(raw)
